"""stepped_up, the recovery grant, and the policy's own-2FA rule."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from enterprise import services as enterprise_services
from enterprise.models import Enterprise
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in, password_step
from tests.second_factor_review.helpers import NOW, RECOVERY_RE
from twofactor.flows import change
from twofactor.models import CodeDevice, RecoveryCode

DEADLINE = dt.date(2026, 12, 15)


def policy(**overrides):
    data = {
        "status": "on",
        "channel": "email",
        "required": "on",
        "deadline": DEADLINE.isoformat(),
        "remember_days": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- stepped_up -------------------------------------------------------------


@pytest.fixture
def required(acme, admin_user, time_machine):
    twofactor_on(acme, admin_user)
    acme.twofactor_required, acme.twofactor_deadline = True, DEADLINE
    acme.remember_browser_days = 5
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def other_admin_tightens(acme):
    Enterprise.objects.filter(pk=acme.pk).update(remember_browser_days=0)


def in_flight(monkeypatch, then):
    registered = change._actions[enterprise_services.POLICY]
    fired = []

    def needed(request, admin, **payload):
        result = registered.needed(request, admin, **payload)
        if not fired:
            fired.append(True)
            then()
        return result

    monkeypatch.setitem(
        change._actions,
        enterprise_services.POLICY,
        change.ChangeAction(needed=needed, apply=registered.apply),
    )


def test_a_login_code_is_not_a_step_up_for_a_save_in_flight(
    client, required, admin_user, outbox, monkeypatch
):
    """Defeated: the administrator logged in with a code a minute ago: that
    is not a step-up (the login records no proof), so a Save whose target
    became loosening in flight is refused."""
    log_in(client, admin_user, outbox)
    in_flight(monkeypatch, lambda: other_admin_tightens(required))
    response = client.post(reverse("enterprise:twofactor"), policy(remember_days="4"))
    assert response.status_code == 400
    required.refresh_from_db()
    assert required.remember_browser_days == 0


def test_a_step_up_gone_stale_in_flight_is_not_a_step_up(
    client, required, admin_user, outbox, monkeypatch, time_machine
):
    """Defeated: a step-up 4 minutes old when the Save began, 6 minutes old
    when it is written: stepped_up is judged at the write."""
    verified_login(client, admin_user)
    client.post(reverse("enterprise:twofactor"), policy(remember_days="6"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    required.refresh_from_db()
    assert required.remember_browser_days == 6
    time_machine.move_to(NOW + dt.timedelta(minutes=4), tick=False)

    def later_and_tightened():
        other_admin_tightens(required)
        time_machine.move_to(NOW + dt.timedelta(minutes=6), tick=False)

    in_flight(monkeypatch, later_and_tightened)
    response = client.post(reverse("enterprise:twofactor"), policy(remember_days="4"))
    assert response.status_code == 400
    required.refresh_from_db()
    assert required.remember_browser_days == 0


def test_another_persons_step_up_in_the_same_browser_is_not_a_step_up(
    client, required, admin_user, coworker, outbox, monkeypatch
):
    """Defeated: Carl stepped up in this browser, logged out; Ada logs in
    here (a code) and her Save in flight is refused: the proof was Carl's."""
    twofactor_on(required, coworker)
    verified_login(client, coworker)
    client.post(
        reverse("accounts:settings"),
        {"email": "carl2@example.com", "phone": "+13035551299", "twofactor": "on"},
    )
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox, to="carl@example.com")})
    client.post(reverse("logout"))
    log_in(client, admin_user, outbox)
    in_flight(monkeypatch, lambda: other_admin_tightens(required))
    response = client.post(reverse("enterprise:twofactor"), policy(remember_days="4"))
    assert response.status_code == 400


# --- the policy and an administrator without 2FA ----------------------------


# --- recovery grant ---------------------------------------------------------


@pytest.fixture
def carl_2fa(acme, coworker, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(NOW, tick=False)
    return coworker


def step_up_for_codes(client, outbox):
    response = client.post(reverse("accounts:recovery_codes"))
    if response.url == reverse("twofactor:verify"):
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert response.status_code == 302
    return response


def shown(client) -> list[str]:
    return RECOVERY_RE.findall(client.get(reverse("accounts:security")).content.decode())


def valid_count(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def test_apply_twice_then_two_pages_draw_one_set(carl_2fa, outbox):
    """Defeated: two Generate presses in one session within the step-up's
    five minutes leave one grant; two Security pages draw one set."""
    client = Client()
    verified_login(client, carl_2fa)
    step_up_for_codes(client, outbox)
    step_up_for_codes(client, outbox)  # fresh: applies at once, a second grant
    first, second = shown(client), shown(client)
    assert len(first) == 10 and second == []
    assert valid_count(carl_2fa) == 10


def test_two_sessions_two_step_ups_draw_one_set(carl_2fa, outbox):
    """Defeated: each session stepped up; the later grant replaces the
    earlier one on the device: one page draws, the other draws nothing."""
    a, b = Client(), Client()
    verified_login(a, carl_2fa)
    verified_login(b, carl_2fa)
    step_up_for_codes(a, outbox)
    step_up_for_codes(b, outbox)
    drawn = [shown(a), shown(b)]
    assert sorted(len(codes) for codes in drawn) == [0, 10]
    assert valid_count(carl_2fa) == 10


def test_a_grant_does_not_survive_logout_and_login(carl_2fa, outbox):
    """Defeated: the grant lives in the session: a new login draws nothing."""
    client = Client()
    verified_login(client, carl_2fa)
    step_up_for_codes(client, outbox)
    client.post(reverse("logout"))
    log_in(client, carl_2fa, outbox)
    assert shown(client) == []
    assert valid_count(carl_2fa) == 0
    assert CodeDevice.objects.get(user=carl_2fa).recovery_grant  # unclaimed, harmless


def test_the_generate_message_says_old_codes_died_when_nothing_was_drawn(carl_2fa, outbox):
    """Observation (not a bypass): when the grant is lost (another session
    stepped up for codes, or the page came after 5 minutes), the page says
    "Your earlier codes no longer work" but draws nothing, and the old sheet
    still works. A person regenerating because the sheet leaked believes the
    leaked codes are dead."""
    a = Client()
    verified_login(a, carl_2fa)
    step_up_for_codes(a, outbox)
    old = shown(a)
    assert len(old) == 10
    b = Client()
    verified_login(b, carl_2fa)
    step_up_for_codes(b, outbox)  # grant B
    step_up_for_codes(a, outbox)  # grant A replaces B
    page_b = b.get(reverse("accounts:security"))
    told_void = "Your earlier codes no longer work" in page_text(page_b)
    drawn_b = RECOVERY_RE.findall(page_b.content.decode())
    # Session A never reloaded Security: the set it drew first is still the live one.
    thief = Client()
    password_step(thief, carl_2fa)
    thief.post(reverse("login_verify"), {"recovery_code": old[0]})
    old_sheet_works = is_logged_in(thief)
    assert not (told_void and not drawn_b and old_sheet_works), (
        "told 'your earlier codes no longer work' while nothing was drawn, and the old sheet "
        "still logs in"
    )
