"""Rolling out: Require for every co-worker, with a Deadline. Before it, a
banner; after it, nothing but turning 2FA on opens. Time is frozen."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
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


@pytest.fixture
def required(acme, admin_user, coworker):
    """Acme requires 2FA by DEADLINE; the administrator has it on, the co-worker not."""
    twofactor_on(acme, admin_user)
    acme.twofactor_required, acme.twofactor_deadline = True, DEADLINE
    acme.save()
    return acme


def test_the_administrator_requires_2fa_with_a_deadline(client, acme, admin_user, time_machine):
    time_machine.move_to(NOW, tick=False)
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(), follow=True)

    acme.refresh_from_db()
    assert acme.twofactor_required and acme.twofactor_deadline == DEADLINE
    assert "until 15 December 2026" in page_text(response)
    event = AuditEvent.objects.get(action="rollout_changed")
    assert event.actor == admin_user and "required by 2026-12-15" in event.detail


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"deadline": None}, "Choose a deadline"),
        ({"deadline": "15/12/2026"}, "Enter the deadline as a date"),
        ({"status": None}, "Turn two-factor authentication on (Status) to require it"),
        ({"remember_days": "31"}, "Enter at most 30 days"),
        ({"remember_days": "-1"}, "Enter 0 (never) or more days"),
        ({"remember_days": "x"}, "Enter a whole number of days"),
    ],
)
def test_a_bad_roll_out_setting_says_why_and_changes_nothing(
    client, acme, admin_user, overrides, message
):
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(**overrides))

    assert response.status_code == 400
    assert message in page_text(response)
    acme.refresh_from_db()
    assert not acme.twofactor_required and acme.remember_browser_days == 0


def test_before_the_deadline_a_banner_names_the_date_on_every_page(
    client, required, coworker, admin_user, time_machine
):
    time_machine.move_to(NOW, tick=False)
    verified_login(client, coworker)

    for url in (reverse("home"), reverse("accounts:security"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 200
        text = page_text(response)
        assert "Your administrator requires two-factor authentication." in text
        assert "by 15 December 2026" in text
        assert f'href="{reverse("accounts:settings")}"' in response.content.decode()

    # Someone whose 2FA is on sees no banner.
    other = Client()
    verified_login(other, admin_user)
    assert "requires two-factor" not in page_text(other.get(reverse("home")))


def test_after_the_deadline_the_login_leads_to_setting_it_up_and_nothing_else_opens(
    client, required, coworker, outbox, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 16, 0, 0, 1, tzinfo=dt.UTC), tick=False)

    response = log_in(client, coworker)
    home = client.get(response.url)
    assert home.status_code == 302 and home.url == reverse("accounts:settings")
    for url in (
        reverse("home"),
        reverse("accounts:security"),
        reverse("accounts:profile"),
        reverse("enterprise:audit"),
        "/admin/",
    ):
        assert client.get(url).url == reverse("accounts:settings"), url
    refused = client.get(reverse("home"), HTTP_ACCEPT="application/json")
    assert refused.status_code == 403
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200
    assert "its deadline (15 December 2026) has passed" in page_text(page)

    # Turning it on (tick Status, the code, Verify) opens the portal again.
    data = {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"}
    assert client.post(reverse("accounts:settings"), data).url == reverse("twofactor:verify")
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:security")).status_code == 200


def test_the_deadline_day_itself_is_still_open(client, required, coworker, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 15, 23, 59, tzinfo=dt.UTC), tick=False)
    verified_login(client, coworker)
    assert client.get(reverse("home")).status_code == 200


def test_moving_the_deadline_earlier_holds_at_the_next_request(
    client, required, coworker, admin_user, time_machine
):
    time_machine.move_to(NOW, tick=False)
    verified_login(client, coworker)
    assert client.get(reverse("home")).status_code == 200

    admin = Client()
    verified_login(admin, admin_user)
    admin.post(reverse("enterprise:twofactor"), policy(deadline="2026-11-30"))

    assert client.get(reverse("home")).url == reverse("accounts:settings")


def test_administrators_are_bound_too(client, acme, admin_user, coworker, time_machine):
    twofactor_on(acme, coworker)  # the administrator's own 2FA is off
    acme.twofactor_required, acme.twofactor_deadline = True, dt.date(2026, 11, 1)
    acme.save()
    time_machine.move_to(NOW, tick=False)
    verified_login(client, admin_user)

    assert client.get(reverse("enterprise:twofactor")).url == reverse("accounts:settings")
    assert client.get(reverse("enterprise:settings")).url == reverse("accounts:settings")


def test_nothing_is_required_while_the_account_has_2fa_off(client, acme, coworker, time_machine):
    acme.twofactor_required, acme.twofactor_deadline = True, dt.date(2026, 11, 1)
    acme.save()
    time_machine.move_to(NOW, tick=False)
    verified_login(client, coworker)
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "requires two-factor" not in page_text(response)


def test_loosening_the_roll_out_is_a_step_up(client, required, admin_user, outbox):
    verified_login(client, admin_user)

    # No longer required: a code first.
    response = client.post(reverse("enterprise:twofactor"), policy(required=None, deadline=""))
    assert response.url == reverse("twofactor:verify")
    required.refresh_from_db()
    assert required.twofactor_required
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    required.refresh_from_db()
    assert not required.twofactor_required


@pytest.mark.parametrize(
    "overrides", [{"deadline": "2027-01-31"}, {"remember_days": "30"}], ids=["later", "remember"]
)
def test_a_later_deadline_or_remembered_browsers_need_a_code_too(
    client, required, admin_user, overrides
):
    verified_login(client, admin_user)
    response = client.post(reverse("enterprise:twofactor"), policy(**overrides))
    assert response.url == reverse("twofactor:verify")
    required.refresh_from_db()
    assert required.twofactor_deadline == DEADLINE and required.remember_browser_days == 0


def test_an_earlier_deadline_needs_no_code(client, required, admin_user):
    verified_login(client, admin_user)
    response = client.post(reverse("enterprise:twofactor"), policy(deadline="2026-12-10"))
    assert response.url == reverse("enterprise:twofactor")
    required.refresh_from_db()
    assert required.twofactor_deadline == dt.date(2026, 12, 10)


def test_a_save_in_flight_cannot_undo_a_tightening_saved_meanwhile(
    client, acme, admin_user, monkeypatch, time_machine
):
    """A thief's Save that loosened nothing when its request began (Require
    off, 4 days, against Require off and 5 days) lands after the real
    administrator saved Require on and 0 days: it is worked out again under
    the row lock, and refused."""
    from enterprise import services
    from enterprise.models import Enterprise
    from twofactor.flows import change

    time_machine.move_to(NOW, tick=False)
    twofactor_on(acme, admin_user)
    acme.remember_browser_days = 5
    acme.save()
    original = services.policy_needed

    def needed_then_the_administrator_saves(request, admin, **payload):
        needed = original(request, admin, **payload)
        Enterprise.objects.filter(pk=acme.pk).update(
            twofactor_required=True, twofactor_deadline=DEADLINE, remember_browser_days=0
        )
        return needed

    action = change._actions[services.POLICY]
    monkeypatch.setitem(
        change._actions,
        services.POLICY,
        change.ChangeAction(needed=needed_then_the_administrator_saves, apply=action.apply),
    )
    verified_login(client, admin_user)  # a copy of the session: no fresh step-up

    response = client.post(
        reverse("enterprise:twofactor"), policy(required=None, deadline="", remember_days="4")
    )

    assert response.status_code == 400
    assert "The settings changed while you were saving them" in page_text(response)
    acme.refresh_from_db()
    assert acme.twofactor_required and acme.remember_browser_days == 0
