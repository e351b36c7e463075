"""Guide: "To disable 2FA for your login" (co-worker)."""

from django.test import Client
from django.urls import reverse

from tests.fixtures import last_code, log_in, password_step
from twofactor.models import CodeDevice


def test_it_turns_2fa_off_after_a_code_and_then_no_code_is_needed(client, coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    CodeDevice.objects.create(user=coworker, enrolled=True, confirmed=True, name="code")
    # 1. Log in using the verification code sent to you.
    log_in(client, coworker, outbox)

    # 3. Clear Status (JS submits at once); 4. the pop-up asks for a code by SMS.
    response = client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "js": "1"},
        follow=True,
    )
    assert b'<dialog id="code-dialog"' in response.content
    first_code = last_code(outbox)

    # "If you didn't receive a code, click Resend."
    resend = client.post(reverse("twofactor:resend"), HTTP_ACCEPT="application/json")
    assert resend.status_code == 429  # within 30 seconds of the first code
    assert CodeDevice.objects.get(user=coworker).enrolled is True

    verify = client.post(
        reverse("twofactor:verify"), {"code": first_code}, HTTP_ACCEPT="application/json"
    )
    assert verify.json()["ok"] is True
    page = client.get(verify.json()["redirect"]).content.decode()
    assert 'id="twofactor-state">Disabled' in page
    assert "Two-factor authentication is now disabled for your login." in page

    other = Client()
    sent = len(outbox)
    assert password_step(other, coworker).url == reverse("home")
    assert len(outbox) == sent
