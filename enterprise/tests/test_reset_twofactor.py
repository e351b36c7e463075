"""Reset two-factor authentication (co-worker page): for a co-worker who lost
their phone. Step-up; a Reason; never one's own login; another enterprise's
id is a 404. Their 2FA off, recovery codes and trusted browsers void, code
step unlocked, sessions ended, the co-worker emailed, the reason audited."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in, wrong_code
from twofactor.models import CodeDevice, RecoveryCode, TrustedBrowser
from twofactor.recovery import recovery_generate


@pytest.fixture
def lost_phone(acme, admin_user, coworker, time_machine):
    """Carl has 2FA on, recovery codes, a remembered browser, a session."""
    twofactor_on(acme, admin_user, coworker)
    recovery_generate(user=coworker, ip=None)
    TrustedBrowser.objects.create(
        user=coworker, token_hash="x" * 64, expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    )
    carl = Client()
    verified_login(carl, coworker)
    return carl


def reset(client, coworker, reason="lost phone, confirmed by a call"):
    url = reverse("enterprise:reset", args=[coworker.pk])
    return client.post(url, {"reason": reason})


def test_an_administrator_resets_a_coworker_after_a_step_up(
    client, lost_phone, admin_user, coworker, outbox
):
    log_in(client, admin_user, outbox)
    page = page_text(client.get(reverse("enterprise:coworker", args=[coworker.pk])))
    assert "Reset two-factor authentication" in page and "Reason" in page

    response = reset(client, coworker)
    assert response.url == reverse("twofactor:verify")  # the step-up
    assert CodeDevice.objects.get(user=coworker).enrolled
    mail.outbox.clear()
    done = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)}, follow=True)

    assert "is reset" in page_text(done)
    device = CodeDevice.objects.get(user=coworker)
    assert not device.enrolled and not device.confirmed
    assert not RecoveryCode.objects.filter(user=coworker).exists()
    assert not TrustedBrowser.objects.filter(user=coworker).exists()
    assert lost_phone.get(reverse("home")).status_code == 302  # their session ended
    event = AuditEvent.objects.get(action="twofactor_reset")
    assert event.actor == admin_user and event.target == coworker
    assert event.detail == "lost phone, confirmed by a call"
    notice = [m for m in mail.outbox if m.to == [coworker.email]]
    assert notice and "reset two-factor authentication" in notice[0].body
    # Their next login needs the password alone (Require is off).
    again = Client()
    log_in(again, coworker)
    assert is_logged_in(again)


def test_with_require_on_their_next_login_goes_to_setup(
    client, lost_phone, acme, admin_user, coworker, outbox, time_machine
):
    acme.twofactor_required, acme.twofactor_deadline = True, dt.date(2020, 1, 1)
    acme.save()
    log_in(client, admin_user, outbox)
    reset(client, coworker)
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    carl = Client()
    response = log_in(carl, coworker)
    assert carl.get(response.url).url == reverse("accounts:settings")


def test_a_reason_is_required(client, lost_phone, admin_user, coworker, outbox):
    verified_login(client, admin_user)
    for reason in ("", "   ", "\x01\x02"):
        response = reset(client, coworker, reason)
        assert response.status_code == 400
        assert "Give a reason" in page_text(response)
    assert CodeDevice.objects.get(user=coworker).enrolled


def test_not_for_your_own_login(client, lost_phone, admin_user, outbox):
    verified_login(client, admin_user)
    page = page_text(client.get(reverse("enterprise:coworker", args=[admin_user.pk])))
    assert "another administrator can reset it for you" in page
    response = reset(client, admin_user)
    assert response.status_code == 400
    assert "can't reset your own" in page_text(response)
    assert CodeDevice.objects.get(user=admin_user).enrolled


def test_another_enterprises_coworker_is_a_404(
    client, lost_phone, make_enterprise, make_user, coworker
):
    other = make_enterprise("Globex")
    intruder = make_user("ivan", other, admin=True)
    verified_login(client, intruder)
    assert reset(client, coworker).status_code == 404
    assert CodeDevice.objects.get(user=coworker).enrolled


def test_a_coworker_cannot_reset_anyone(client, lost_phone, make_user, acme, admin_user):
    plain = make_user("pat", acme)
    verified_login(client, plain)
    assert reset(client, admin_user).status_code == 403
    assert CodeDevice.objects.get(user=admin_user).enrolled


def test_a_stolen_admin_session_without_the_code_resets_nothing(
    client, lost_phone, admin_user, coworker, outbox
):
    verified_login(client, admin_user)
    reset(client, coworker)
    refused = client.post(reverse("twofactor:verify"), {"code": wrong_code(last_code(outbox))})
    assert refused.status_code == 400
    assert CodeDevice.objects.get(user=coworker).enrolled


def test_reset_unlocks_a_locked_code_step(client, lost_phone, admin_user, coworker, outbox):
    CodeDevice.objects.filter(user=coworker).update(
        throttling_failure_count=settings.TWOFACTOR_LONG_LOCK_FAILURES
    )
    log_in(client, admin_user, outbox)
    reset(client, coworker)
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert CodeDevice.objects.get(user=coworker).lock() is None


def test_a_reset_begun_by_an_administrator_who_is_then_demoted_applies_nothing(
    client, lost_phone, admin_user, coworker, outbox
):
    log_in(client, admin_user, outbox)
    reset(client, coworker)
    admin_user.is_enterprise_admin = False
    admin_user.save()

    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert response.status_code == 403
    assert CodeDevice.objects.get(user=coworker).enrolled
    assert not AuditEvent.objects.filter(action="twofactor_reset").exists()


def test_an_administrator_without_2fa_cannot_reset_someone_who_has_it(
    client, acme, make_user, coworker
):
    """A password alone must not undo someone else's second factor."""
    bare = make_user("bea", acme, admin=True)
    twofactor_on(acme, coworker)
    verified_login(client, bare)

    response = reset(client, coworker)

    assert response.status_code == 400
    assert "Turn on two-factor authentication for your own login first" in page_text(response)
    assert CodeDevice.objects.get(user=coworker).enrolled
