"""docs/SECURITY.md: password throttles are keyed on the user the login form
resolves, whatever spelling the form accepts; unknown names on the normalised
name (so a 429 reveals nothing); and a per-IP limit across usernames.

Each test is the attack: it failed on the portal before the fix."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in
from tests.fixtures import PASSWORD, password_step

# What Django's login form turns into "carl": stripped, NFKC-normalised.
SPELLINGS = [" carl", "carl ", "\tcarl", "carl\n", "ｃａｒｌ"]


def guess(client, username, password="wrong", ip="198.51.100.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_respelled_username_gets_no_fresh_guesses(client, coworker, spelling):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert guess(client, "carl").status_code == 400

    wrong = guess(client, spelling)
    right = guess(client, spelling, PASSWORD)

    assert wrong.status_code == right.status_code == 429
    assert not is_logged_in(client)


def test_spellings_share_one_allowance(client, coworker):
    for attempt in range(settings.LOGIN_MAX_FAILURES):
        assert guess(client, SPELLINGS[attempt % len(SPELLINGS)]).status_code == 400

    assert guess(client, "carl", PASSWORD).status_code == 429
    assert not is_logged_in(client)


def test_every_spelling_is_audited_against_the_person(client, coworker):
    for spelling in SPELLINGS:
        guess(client, spelling)

    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, target=coworker)
    assert sum(event.count for event in failed) == len(SPELLINGS)


def test_an_unknown_name_is_answered_like_a_known_one(client, coworker):
    """A 429 after ten guesses whether or not the name exists: it tells nothing."""
    answers = {}
    for name in ("carl", "nobody-here"):
        for _ in range(settings.LOGIN_MAX_FAILURES):
            guess(client, name)
        answers[name] = guess(client, name).status_code

    assert answers == {"carl": 429, "nobody-here": 429}


def test_an_unknown_name_is_throttled_under_any_spelling(client, db):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        guess(client, "ghost")

    assert guess(client, " ｇｈｏｓｔ").status_code == 429


def test_one_address_spraying_many_names_is_stopped(client, make_user, acme):
    """One wrong password for each of many co-workers from one address."""
    victims = [make_user(f"user{i:03}", acme) for i in range(3)]
    for i in range(settings.LOGIN_MAX_FAILURES_PER_IP):
        assert guess(client, f"sprayed{i:03}").status_code == 400

    for victim in victims:
        assert guess(client, victim.username, PASSWORD).status_code == 429
    # From elsewhere the same co-workers log in.
    assert password_step(Client(REMOTE_ADDR="192.0.2.1"), victims[0]).status_code == 302


def test_guesses_from_many_addresses_stop_at_a_hundred_an_hour(client, coworker, time_machine):
    """ASVS 2.2.1: no more than 100 failed attempts an hour on one account,
    however many addresses they come from (each held to its own ten)."""
    time_machine.move_to("2025-03-03 12:00:00Z", tick=False)
    for i in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        assert guess(client, "carl", ip=f"198.51.100.{i}").status_code == 400

    assert guess(client, "carl", PASSWORD, ip="203.0.113.200").status_code == 429
    time_machine.shift(settings.LOGIN_ACCOUNT_WINDOW)
    assert guess(client, "carl", PASSWORD, ip="203.0.113.200").status_code == 302


def test_a_right_password_forgets_the_earlier_failures_from_that_address(client, coworker):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        guess(client, "carl")
    assert guess(client, "carl", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        assert guess(client, "carl").status_code == 400


def test_one_ipv6_network_is_one_address(client, coworker):
    """A host holds a whole IPv6 /64: each of its 2**64 addresses is not a
    fresh allowance (found by a red-team review)."""
    answers = [
        guess(client, "carl", ip=f"2001:db8:1:2::{i + 1:x}").status_code
        for i in range(settings.LOGIN_MAX_FAILURES + 1)
    ]

    assert answers[:-1] == [400] * settings.LOGIN_MAX_FAILURES and answers[-1] == 429
    assert guess(client, "carl", PASSWORD, ip="2001:db8:1:2::ffff").status_code == 429
    assert guess(client, "carl", PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_a_padded_username_is_the_same_person(client, coworker):
    """Django's form strips the whole value: 600 spaces and "carl" is carl,
    and so it is to the throttle (found by a red-team review)."""
    padded = " " * 600 + "carl"
    for _ in range(settings.LOGIN_MAX_FAILURES):
        guess(client, "carl")

    assert guess(client, padded).status_code == 429
    assert guess(client, padded, PASSWORD).status_code == 429
    assert not is_logged_in(client)
