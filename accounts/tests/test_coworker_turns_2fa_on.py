"""Guide: "To set up 2FA for your login" (co-worker)."""

from django.urls import reverse

from tests.fixtures import last_code, log_in
from twofactor.models import CodeDevice


def test_it_turns_2fa_on_after_the_code_is_verified(client, coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    log_in(client, coworker)

    # Tick Status and Save (without JS): a code goes by SMS and a code page asks for it.
    data = {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"}
    response = client.post(reverse("accounts:settings"), data)
    assert response.status_code == 302
    assert response.url == reverse("twofactor:verify")
    assert outbox[-1]["channel"] == "sms" and outbox[-1]["to"] == "+13035551299"
    page = client.get(response.url)
    assert b"Two-Factor Authentication" in page.content
    assert b"SMS" in page.content
    assert not CodeDevice.objects.filter(user=coworker, enrolled=True).exists()

    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert response.status_code == 302
    assert response.url == reverse("accounts:settings")

    # Save: the tab shows Enabled.
    response = client.post(reverse("accounts:settings"), data, follow=True)
    assert b'id="twofactor-state">Enabled' in response.content
    device = CodeDevice.objects.get(user=coworker)
    assert device.enrolled and device.confirmed


def test_with_js_the_pop_up_opens_on_the_same_page(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    log_in(client, coworker)
    data = {"email": coworker.email, "phone": "", "twofactor": "on", "js": "1"}

    response = client.post(reverse("accounts:settings"), data)

    assert response.url == reverse("accounts:settings") + "?step=code"
    page = client.get(response.url).content.decode()
    assert '<dialog id="code-dialog"' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "c•••@example.com" in page  # the masked destination
    verify = client.post(
        reverse("twofactor:verify"),
        {"code": last_code(outbox)},
        HTTP_ACCEPT="application/json",
    )
    assert verify.json() == {"ok": True, "redirect": reverse("accounts:settings")}


def test_it_asks_for_a_phone_number_first_when_the_channel_is_sms(client, make_user, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "voice"
    acme.save()
    nophone = make_user("nina", acme)
    log_in(client, nophone)

    response = client.post(
        reverse("accounts:settings"),
        {"email": nophone.email, "phone": "", "twofactor": "on"},
    )

    assert response.status_code == 400
    assert b"Add a phone number in E.164 format" in response.content
    assert b"+13035551212" in response.content
    assert outbox == []


def test_it_cannot_be_turned_on_while_the_account_has_2fa_off(client, coworker, outbox):
    log_in(client, coworker)
    response = client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )
    assert response.status_code == 302
    assert outbox == []
    assert not CodeDevice.objects.filter(user=coworker, enrolled=True).exists()
