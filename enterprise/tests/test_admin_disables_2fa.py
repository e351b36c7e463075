"""Guide: "To disable 2FA for the account" (administrator)."""

from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.fixtures import last_code, log_in, password_step, wrong_code
from twofactor.models import CodeDevice


def enrol(user):
    CodeDevice.objects.update_or_create(
        user=user, defaults={"enrolled": True, "confirmed": True, "name": "code"}
    )


def test_it_asks_the_admin_for_a_code_then_no_coworker_needs_one(
    client, admin_user, coworker, acme, outbox
):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    enrol(admin_user)
    enrol(coworker)
    log_in(client, admin_user, outbox)

    # Clear Status, Save: the pop-up appears first (with JS it is on the same page).
    response = client.post(
        reverse("enterprise:twofactor"), {"channel": "sms", "js": "1"}, follow=True
    )
    assert b'<dialog id="code-dialog"' in response.content
    assert b"Two-Factor Authentication" in response.content
    acme.refresh_from_db()
    assert acme.twofactor_enabled is True  # not yet

    refused = client.post(reverse("twofactor:verify"), {"code": wrong_code(last_code(outbox))})
    assert refused.status_code == 400
    acme.refresh_from_db()
    assert acme.twofactor_enabled is True

    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    acme.refresh_from_db()
    assert acme.twofactor_enabled is False
    assert AuditEvent.objects.filter(action="account_2fa_disabled", actor=admin_user).exists()

    # "The account now no longer requires an activation code for co-workers to log in."
    other = Client()
    sent = len(outbox)
    response = password_step(other, coworker)
    assert response.url == reverse("home")
    assert "_auth_user_id" in other.session
    assert len(outbox) == sent

    # Their own choice is kept, dormant: same channel again -> Enabled.
    assert CodeDevice.objects.get(user=coworker).enrolled is True


def test_turning_2fa_back_on_wakes_dormant_enrolments(client, admin_user, coworker, acme):
    acme.twofactor_enabled, acme.twofactor_channel = False, "sms"
    acme.save()
    enrol(coworker)
    log_in(client, admin_user)

    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})
    assert CodeDevice.objects.get(user=coworker).state() == "enabled"

    client.post(reverse("enterprise:twofactor"), {"channel": "sms"})  # off again
    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "voice"})
    assert CodeDevice.objects.get(user=coworker).state() == "verification_required"


def test_a_fresh_step_up_is_not_asked_again_within_five_minutes(client, admin_user, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    enrol(admin_user)
    log_in(client, admin_user, outbox)
    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "voice"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    sent = len(outbox)

    response = client.post(reverse("enterprise:twofactor"), {"channel": "voice"})

    assert response.url == reverse("enterprise:twofactor")
    assert len(outbox) == sent
    acme.refresh_from_db()
    assert acme.twofactor_enabled is False
