"""The My Account race with real threads, each on its own PostgreSQL
connection: no hook orders the requests; the thief's request only takes a
little longer between its check and its write (a slow disk, a busy worker),
as any request can. Run with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/redteam12."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from tests.code_step import twofactor_on, verified_login
from tests.fixtures import last_code
from tests.second_factor_review.helpers import at_once
from twofactor.flows import change
from twofactor.models import CodeDevice

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL (DATABASE_URL)"
    ),
]


def test_2fa_off_in_flight_against_2fa_on_with_real_threads(acme, coworker, outbox, monkeypatch):
    """FINDING (same as test_requests_in_flight.py::test_a_thiefs_save_in_
    flight_turns_off_the_2fa_the_owner_just_turned_on). Carl has his code in
    hand to turn 2FA on; a thief's copy of his old session posts Status off
    at the same moment. Whenever the thief's check runs before Carl's code
    lands and its write after, Carl's 2FA ends up off."""
    twofactor_on(acme)
    registered = change._actions[account_services.ACCOUNT_SETTINGS_ACTION]

    def slow_needed(request, user, **payload):
        needed = registered.needed(request, user, **payload)
        if not payload["twofactor"]:
            time.sleep(0.6)  # the thief's request: checked, not yet written
        return needed

    monkeypatch.setitem(
        change._actions,
        account_services.ACCOUNT_SETTINGS_ACTION,
        change.ChangeAction(needed=slow_needed, apply=registered.apply),
    )

    owner, thief = Client(), Client()
    verified_login(owner, coworker)
    verified_login(thief, coworker)
    data = {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"}
    assert owner.post(reverse("accounts:settings"), data).url == reverse("twofactor:verify")
    code = last_code(outbox, to=coworker.email)

    def carl_enters_his_code():
        time.sleep(0.2)
        return owner.post(reverse("twofactor:verify"), {"code": code})

    def thief_saves_status_off():
        return thief.post(
            reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"}
        )

    results = at_once([carl_enters_his_code, thief_saves_status_off])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CodeDevice.objects.get(user=coworker).enrolled, (
        "Carl's code turned 2FA on, and the thief's Save in flight turned it off again"
    )
