"""Guide: "Logging in Using Two-Factor Authentication"."""

import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.fixtures import last_code, password_step
from twofactor.models import CodeDevice


def test_it_logs_in_with_the_code_from_the_pop_up(client, coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    CodeDevice.objects.create(user=coworker, enrolled=True, confirmed=True, name="code")

    response = password_step(client, coworker, js="1")

    assert response.url == reverse("login") + "?step=code"
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert '<dialog id="code-dialog"' in page
    assert "by <strong>SMS</strong>" in page and "+1••••••1299" in page
    message = outbox[-1]
    assert message["to"] == "+13035551299"
    assert message["body"].startswith("Your Customer Portal verification code is ")
    assert "It expires in 10 minutes." in message["body"]

    verify = client.post(
        reverse("login_verify"), {"code": last_code(outbox)}, HTTP_ACCEPT="application/json"
    )

    assert verify.json() == {"ok": True, "redirect": reverse("home")}
    assert int(client.session["_auth_user_id"]) == coworker.pk
    assert client.get(reverse("home")).status_code == 200


def test_resend_sends_a_fresh_code_and_the_first_is_refused(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    CodeDevice.objects.create(user=coworker, enrolled=True, confirmed=True, name="code")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        password_step(client, coworker)
        first = last_code(outbox)
    with time_machine.travel(start + timezone.timedelta(seconds=31), tick=False):
        resend = client.post(reverse("login_resend"))
        assert resend.status_code == 302
        second = last_code(outbox)
        assert len(outbox) == 2

        refused = client.post(reverse("login_verify"), {"code": first})
        assert refused.status_code == 400
        assert b"That code is not correct" in refused.content
        assert "_auth_user_id" not in client.session

        client.post(reverse("login_verify"), {"code": second})
        assert int(client.session["_auth_user_id"]) == coworker.pk


def test_the_password_alone_logs_in_when_the_coworker_has_2fa_off(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    response = password_step(client, coworker)
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == coworker.pk
    assert outbox == []


def test_without_js_the_password_step_leads_to_the_plain_code_page(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    CodeDevice.objects.create(user=coworker, enrolled=True, confirmed=True, name="code")
    response = password_step(client, coworker)
    assert response.url == reverse("login_verify")
    page = client.get(response.url).content.decode()
    assert "<dialog" not in page
    assert 'name="code"' in page and ">Verify</button>" in page and ">Resend</button>" in page
