"""Guide: "To change the 2FA to another channel" (administrator)."""

from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.fixtures import last_code, log_in, password_step
from twofactor.models import CodeDevice


def enrol(user, *, confirmed=True):
    CodeDevice.objects.update_or_create(
        user=user, defaults={"enrolled": True, "confirmed": confirmed, "name": "code"}
    )


def test_it_moves_enrolled_coworkers_to_the_new_channel(client, admin_user, coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    enrol(coworker)
    log_in(client, admin_user)  # the admin's own 2FA is off: no code asked

    response = client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "voice"})

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.twofactor_channel == "voice"
    assert CodeDevice.objects.get(user=coworker).state() == "verification_required"
    tab = client.get(reverse("enterprise:twofactor")).content.decode()
    assert "Verification required" in tab
    assert AuditEvent.objects.filter(action="account_channel_changed", actor=admin_user).exists()

    # The co-worker's next login: the code comes by voice call; Verify; Enabled again.
    other = Client()
    response = password_step(other, coworker)
    assert response.url == reverse("login_verify")
    call = outbox[-1]
    assert call["channel"] == "voice" and call["to"] == "+13035551299"
    other.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert "_auth_user_id" in other.session
    assert CodeDevice.objects.get(user=coworker).state() == "enabled"
    page = other.get(reverse("accounts:settings")).content.decode()
    assert 'id="twofactor-state">Enabled' in page


def test_it_lists_coworkers_without_a_phone_before_saving(
    client, admin_user, make_user, acme, outbox
):
    acme.twofactor_enabled, acme.twofactor_channel = True, "email"
    acme.save()
    nophone = make_user("nina", acme)
    enrol(nophone)
    log_in(client, admin_user)

    first = client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})

    assert first.status_code == 200
    assert b"1 co-worker cannot receive codes by SMS" in first.content
    assert b"nina" in first.content
    acme.refresh_from_db()
    assert acme.twofactor_channel == "email"  # nothing saved yet

    second = client.post(
        reverse("enterprise:twofactor"),
        {"status": "on", "channel": "sms", "confirm_unreachable": "on"},
    )
    assert second.status_code == 302
    acme.refresh_from_db()
    assert acme.twofactor_channel == "sms"

    # Until Nina adds a number, her code goes by email, and the pop-up says so.
    nina = Client()
    password_step(nina, nophone)
    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == "nina@example.com"
    page = nina.get(reverse("login_verify")).content.decode()
    assert "so this code went by email" in page


def test_an_admin_with_2fa_on_confirms_the_change_with_a_code(client, admin_user, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    enrol(admin_user)
    log_in(client, admin_user, outbox)
    sent_before = len(outbox)

    response = client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "email"})

    assert response.url == reverse("twofactor:verify")
    assert len(outbox) == sent_before + 1
    assert outbox[-1]["channel"] == "sms"  # the step-up goes by the current channel
    acme.refresh_from_db()
    assert acme.twofactor_channel == "sms"
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    acme.refresh_from_db()
    assert acme.twofactor_channel == "email"
