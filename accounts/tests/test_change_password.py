"""docs/SECURITY.md: My Account > Security has Change password (a step-up first
when 2FA is on); it ends the person's other sessions and tells them by email.

Before the fix there was no password change page, although the lockout
email told people to change their password."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, log_in, password_step

NEW = "a-much-longer-passphrase-42"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post(
        reverse("accounts:password"),
        {"current_password": current, "new_password": new, "confirm_password": confirm or new},
    )


def test_a_coworker_without_2fa_changes_their_password(client, coworker):
    log_in(client, coworker)
    other = Client()
    log_in(other, coworker)

    response = change(client)

    assert response.status_code == 302
    assert "Your password was changed." in page_text(client.get(response.url))
    assert is_logged_in(client) and client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert password_step(Client(), coworker, password=NEW).status_code == 302
    assert password_step(Client(), coworker).status_code == 400
    assert mail.outbox[-1].subject == "Customer Portal: your password was changed"
    assert "If this wasn't you" in mail.outbox[-1].body


def test_with_2fa_on_a_code_comes_first(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)

    response = change(client)

    assert response.url == reverse("twofactor:verify")
    coworker.refresh_from_db()
    assert coworker.check_password(PASSWORD)  # not changed yet
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    coworker.refresh_from_db()
    assert coworker.check_password(NEW)


def test_the_new_password_is_never_kept_in_the_session(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)

    change(client)

    assert NEW not in str(dict(client.session))


def test_a_wrong_current_password_changes_nothing_and_is_limited(client, coworker):
    verified_login(client, coworker)
    answers = [change(client, current=f"guess-{i}").status_code for i in range(11)]

    assert answers[:10] == [400] * 10 and answers[10] == 429
    assert change(client).status_code == 429  # even the right one, for now
    elsewhere = Client(REMOTE_ADDR="192.0.2.1")
    assert password_step(elsewhere, coworker).status_code == 302


def test_a_weak_or_mismatched_password_is_explained(client, coworker):
    verified_login(client, coworker)

    short = page_text(change(client, new="short"))
    common = page_text(change(client, new="password1234"))
    mismatch = page_text(change(client, confirm="something-else-entirely"))

    assert "at least 12 characters" in short
    assert "too common" in common
    assert "The two new passwords don't match." in mismatch


def test_long_passphrases_are_welcome_up_to_128_characters(client, coworker):
    verified_login(client, coworker)
    sixty_four = "correct horse battery staple, and then some more words to reach 64"[:64]

    accepted = change(client, new=sixty_four)
    refused = change(client, current=sixty_four, new="x" * 129 + "-unusual-words")

    assert accepted.status_code == 302
    assert refused.status_code == 400
    assert "at most 128 characters" in page_text(refused)


def test_an_empty_current_password_does_not_reset_the_count(client, coworker):
    """Found by a red-team review: a form refused for another reason than a
    wrong password counted as a right one, and wiped the failures."""
    verified_login(client, coworker)
    for i in range(9):
        assert change(client, current=f"guess-{i}").status_code == 400
    assert change(client, current="").status_code == 400

    assert change(client, current="guess-10").status_code == 429
    assert change(client).status_code == 429
