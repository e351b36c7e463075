"""Issue 15: the pop-up's clocks and a way out. Resend waits for its
cooldown (the seconds for the script, the UTC time without it), the code's
expiry counts down, and a lock or the hourly limit says until when, with the
buttons that cannot help disabled and the administrators to ask by name."""

import re
from datetime import timedelta

from django.urls import reverse

from tests.code_step import T0, page_text
from tests.fixtures import password_step
from twofactor.models import Challenge, CodeDevice


def attr(response, marker: str, name: str) -> str | None:
    """The attribute `name` of the element carrying `marker`."""
    tag = re.search(rf"<[^>]*\b{marker}\b[^>]*>", response.content.decode())
    if tag is None:
        return None
    value = re.search(rf'\b{name}="([^"]*)"', tag.group(0))
    return value.group(1) if value else ("" if re.search(rf"\b{name}\b", tag.group(0)) else None)


def disabled(response, marker: str) -> bool:
    tag = re.search(rf"<button[^>]*\b{marker}\b[^>]*>", response.content.decode())
    assert tag, marker
    return " disabled" in tag.group(0)


def administrators(make_user, acme, *names, active=True):
    for first, last in names:
        admin = make_user(first.lower(), acme, admin=True)
        admin.first_name, admin.last_name, admin.is_active = first, last, active
        admin.save()


def test_resend_waits_for_its_cooldown(waiting):
    page = waiting.get(reverse("login_verify"))

    assert attr(page, "data-resend-wait", "data-seconds") == "30"
    assert "You can ask for a new code at 12:00:30 UTC ." in page_text(page)
    # Without JavaScript the button still posts (and is told to wait).
    assert not disabled(page, "data-resend-button")


def test_after_the_cooldown_resend_needs_no_wait(waiting, time_machine):
    time_machine.shift(timedelta(seconds=30))

    page = waiting.get(reverse("login_verify"))

    assert attr(page, "data-resend-wait", "data-seconds") is None
    assert "You can ask for a new code" not in page_text(page)


def test_the_codes_expiry_counts_down(waiting, time_machine):
    fresh = waiting.get(reverse("login_verify"))
    time_machine.shift(timedelta(minutes=9, seconds=30))
    late = waiting.get(reverse("login_verify"))

    assert attr(fresh, "data-expiry", "data-seconds") == "600"
    assert "It expires in 10 minutes." in page_text(fresh)
    assert attr(late, "data-expiry", "data-seconds") == "30"
    assert "It expires in 1 minute." in page_text(late)
    assert "This code has expired" not in page_text(late)


def test_a_refused_resend_json_says_so_without_reloading(waiting):
    answer = waiting.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert answer.status_code == 429 and "reload" not in answer.json()


def test_a_resend_tells_the_script_its_clocks(waiting, time_machine):
    time_machine.shift(timedelta(seconds=30))

    answer = waiting.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert answer.json()["expires_in"] == 600 and answer.json()["resend_in"] == 30


def lock(user, failures=10, at=T0):
    CodeDevice.objects.filter(user=user).update(
        throttling_failure_count=failures, throttling_failure_timestamp=at
    )


def test_a_lock_says_until_when_and_whom_to_ask(waiting, coworker, make_user, acme):
    administrators(make_user, acme, ("Ada", "Lovelace"), ("Grace", "Hopper"))
    lock(coworker)

    page = waiting.get(reverse("login_verify"))
    text = page_text(page)

    assert "Too many wrong codes. You can try again at 12:15:00 UTC ." in text
    assert (
        "Wait until 12:15:00 UTC , or ask your administrator: Grace Hopper, Ada Lovelace." in text
    )
    assert attr(page, "data-blocked", "data-seconds") == "900"
    assert '<time datetime="2025-03-03T12:15:00+00:00" data-local-time>' in page.content.decode()
    assert disabled(page, "data-verify-button") and disabled(page, "data-resend-button")


def test_at_most_three_administrators_then_how_many_more(waiting, coworker, make_user, acme):
    administrators(
        make_user,
        acme,
        ("Ada", "Lovelace"),
        ("Grace", "Hopper"),
        ("Alan", "Turing"),
        ("Edsger", "Dijkstra"),
        ("Barbara", "Liskov"),
    )
    administrators(make_user, acme, ("Gone", "Away"), active=False)
    lock(coworker)

    text = page_text(waiting.get(reverse("login_verify")))

    assert (
        "ask your administrator: Edsger Dijkstra, Grace Hopper, Barbara Liskov and 2 more." in text
    )
    assert "Gone" not in text


def test_a_lock_until_unlocked_asks_for_an_administrator(waiting, coworker, make_user, acme):
    administrators(make_user, acme, ("Ada", "Lovelace"))
    lock(coworker, failures=100)

    page = waiting.get(reverse("login_verify"))
    text = page_text(page)

    assert (
        "Too many wrong codes: entering codes is locked until an administrator unlocks it." in text
    )
    assert "Ask your administrator to unlock it: Ada Lovelace." in text
    assert attr(page, "data-blocked", "data-seconds") is None
    assert disabled(page, "data-verify-button") and disabled(page, "data-resend-button")


def test_the_hourly_limit_stops_resend_but_not_the_code(
    client, coworker, make_user, acme, outbox, time_machine
):
    from tests.code_step import twofactor_on

    administrators(make_user, acme, ("Ada", "Lovelace"))
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    for _ in range(9):
        time_machine.shift(timedelta(seconds=30))
        client.post(reverse("login_resend"))
    assert Challenge.objects.filter(user=coworker).count() == 10

    page = client.get(reverse("login_verify"))
    refused = client.post(reverse("login_resend"))
    text = page_text(page)

    assert (
        "You have had the most codes allowed in an hour. You can ask for a new code at "
        "13:00:00 UTC ." in text
    )
    assert "Wait until 13:00:00 UTC , or ask your administrator: Ada Lovelace." in text
    assert disabled(page, "data-resend-button") and not disabled(page, "data-verify-button")
    assert refused.status_code == 429
    assert "Wait until 13:00:00 UTC , or ask your administrator: Ada Lovelace." in page_text(
        refused
    )


def test_a_login_past_the_hourly_limit_says_whom_to_ask(
    client, coworker, make_user, acme, outbox, time_machine
):
    from django.test import Client

    from tests.code_step import twofactor_on

    administrators(make_user, acme, ("Ada", "Lovelace"))
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    for _ in range(9):
        time_machine.shift(timedelta(seconds=30))
        client.post(reverse("login_resend"))

    refused = password_step(Client(), coworker)

    assert refused.status_code == 429
    assert (
        "Too many codes were sent in the last hour. Try again at 13:00:00 UTC. "
        "Wait until 13:00:00 UTC, or ask your administrator: Ada Lovelace."
    ) in page_text(refused)


def test_a_wrong_password_names_nobody(client, coworker, make_user, acme):
    administrators(make_user, acme, ("Ada", "Lovelace"))
    lock(coworker, failures=100)

    refused = password_step(client, coworker, password="not the password")

    assert "Lovelace" not in page_text(refused)


def test_the_login_page_says_an_administrators_name_as_typed(client, coworker, make_user, acme):
    """Red-team finding: on the login page after a timed lock the name was
    escaped twice ("O&#x27;Brien &amp; Sons" on the screen)."""
    from django.utils import timezone

    from tests.code_step import twofactor_on

    administrators(make_user, acme, ("Ada", "O'Brien & <Sons>"))
    twofactor_on(acme, coworker)
    CodeDevice.objects.filter(user=coworker).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )

    refused = password_step(client, coworker)

    assert refused.status_code == 429
    assert "ask your administrator: Ada O'Brien & <Sons>." in page_text(refused)
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in refused.content.decode()


def test_naming_nobody_is_a_setting(client, coworker, make_user, acme, settings):
    from django.utils import timezone

    from tests.code_step import twofactor_on

    settings.TWOFACTOR_ADMINISTRATORS_NAMED = 0
    administrators(make_user, acme, ("Ada", "Lovelace"))
    twofactor_on(acme, coworker)
    CodeDevice.objects.filter(user=coworker).update(
        throttling_failure_count=100, throttling_failure_timestamp=timezone.now()
    )

    text = page_text(password_step(client, coworker))

    assert "Ask your administrator to unlock it." in text
    assert "Lovelace" not in text and "more" not in text
