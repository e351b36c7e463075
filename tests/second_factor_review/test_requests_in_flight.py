"""The policy's "request in flight" hole, on the other actions that apply
at once when their request began needing no code: My Account's Save, the
password change, an administrator's reset. Each re-check happens (with
needs_checked=True) before the other person's change lands; nothing is
worked out again when the change is written.

The interleaving is made exact the way
enterprise/tests/test_require_2fa_with_a_deadline.py::
test_a_save_in_flight_cannot_undo_a_tightening_saved_meanwhile makes it:
the action's `needed` runs, then the other person's request completes
(here through its real pages, in its own client), then `apply` runs.
test_requests_in_flight_on_postgresql.py shows the same with real threads."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from enterprise import services as enterprise_services
from tests.code_step import is_logged_in, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, password_step
from twofactor.devices import twofactor_on as has_2fa
from twofactor.flows import change
from twofactor.models import CodeDevice

NEW_PASSWORD = "a-thiefs-new-passphrase-1"


def owner_turns_2fa_on(user, outbox):
    """The person, in their own session, ticks Status and enters the code
    sent to their own email: their 2FA is on."""
    owner = Client()
    verified_login(owner, user)
    data = {
        "email": user.email,
        "phone": user.phone.as_e164 if user.phone else "",
        "twofactor": "on",
    }
    assert owner.post(reverse("accounts:settings"), data).url == reverse("twofactor:verify")
    owner.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=user.email)})
    assert has_2fa(type(user).objects.get(pk=user.pk))
    return owner


def meanwhile(monkeypatch, action: str, other_request):
    """`other_request` completes between the action's check and its apply."""
    registered = change._actions[action]

    fired = []

    def needed_then_the_other_request(request, user, **payload):
        needed = registered.needed(request, user, **payload)
        if not fired:  # once: the other request's own Save runs this too
            fired.append(True)
            other_request()
        return needed

    monkeypatch.setitem(
        change._actions,
        action,
        change.ChangeAction(needed=needed_then_the_other_request, apply=registered.apply),
    )


@pytest.fixture
def account_on(acme, coworker):
    """Acme has 2FA on (email); Carl has not turned it on for his login yet."""
    twofactor_on(acme)
    return acme


def test_a_thiefs_save_in_flight_turns_off_the_2fa_the_owner_just_turned_on(
    account_on, coworker, outbox, monkeypatch
):
    """FINDING. A thief holds a copy of Carl's session from before he had
    2FA. The thief posts My Account's form unchanged (Status unticked): it
    needs no code, since Carl's 2FA is off when the request begins. Carl
    turns 2FA on (with his code) while it is in flight. account_settings_apply
    then reads Status off against a device that is now enrolled, and turns
    Carl's 2FA off: no step-up, recovery codes voided, Carl's other sessions
    (his own, that just turned it on) ended. The thief's session survives:
    it joins the new generation, and with 2FA off again it needs no code."""
    thief = Client()
    verified_login(thief, coworker)  # password-alone session: 2FA is off
    meanwhile(
        monkeypatch,
        account_services.ACCOUNT_SETTINGS_ACTION,
        lambda: owner_turns_2fa_on(coworker, outbox),
    )

    response = thief.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299"},  # Status unticked
    )

    device = CodeDevice.objects.get(user=coworker)
    thief_in = thief.get(reverse("home")).status_code == 200 and is_logged_in(thief)
    assert device.enrolled, (
        "the thief's Save in flight turned Carl's 2FA off without a code "
        f"({response.status_code}); "
        f"the thief's session is still in: {thief_in}"
    )


def test_a_password_change_in_flight_locks_out_the_owner_who_just_turned_2fa_on(
    account_on, coworker, outbox, monkeypatch
):
    """FINDING. A password holder (Carl has no 2FA yet) logs in and changes
    the password. It needs no step-up when the request begins; Carl turns
    2FA on meanwhile. password_change_apply writes the thief's password
    anyway (with 2FA on it needs a step-up: docs/SECURITY.md), ends Carl's
    sessions, and Carl can no longer log in: locked out of his own login
    until an operator resets the password."""
    thief = Client()
    password_step(thief, coworker)
    assert is_logged_in(thief)
    meanwhile(
        monkeypatch, account_services.PASSWORD_ACTION, lambda: owner_turns_2fa_on(coworker, outbox)
    )

    thief.post(
        reverse("accounts:password"),
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )

    carl = Client()
    response = password_step(carl, coworker, password=PASSWORD)
    assert response.status_code == 302 and response.url == reverse("login_verify"), (
        "a password change in flight, with no step-up, replaced the password of a login "
        "that has 2FA on: Carl's own password no longer works"
    )


def test_a_reset_in_flight_by_an_administrator_without_2fa_undoes_2fa_just_turned_on(
    account_on, admin_user, coworker, outbox, monkeypatch
):
    """FINDING. The fix says an administrator without 2FA cannot reset
    someone who has it. Ada (2FA off: a password alone, or a stolen session)
    resets Carl while his 2FA is off: no code is needed when the request
    begins. Carl turns 2FA on meanwhile; coworker_reset_apply re-checks only
    that Ada is an administrator, not the 2FA rule, and Carl's fresh 2FA is
    off again, his sessions ended."""
    admin = Client()
    verified_login(admin, admin_user)
    meanwhile(monkeypatch, enterprise_services.RESET, lambda: owner_turns_2fa_on(coworker, outbox))

    admin.post(reverse("enterprise:reset", args=[coworker.pk]), {"reason": "lost phone"})

    assert CodeDevice.objects.get(user=coworker).enrolled, (
        "an administrator without 2FA undid a co-worker's second factor (reset in flight)"
    )
