"""Passkeys through the test client (the real ceremony runs in Chromium with a
virtual authenticator: tests/browser/test_passkeys_in_chromium.py): allowed
by the administrator, added only after a step-up, asked for first at login
with nothing sent, refusals counted in the same locks, another way offered,
removed by a reset or by turning 2FA off."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import CodeDevice, Passkey


@pytest.fixture
def allowed(acme, coworker):
    twofactor_on(acme, coworker, channel="sms")
    acme.allow_passkey = True
    acme.save()
    return acme


@pytest.fixture
def with_passkey(allowed, coworker):
    return Passkey.objects.create(
        user=coworker, name="Work laptop", credential_id="AAAA", public_key=b"\x00"
    )


def test_off_by_default(client, acme, coworker):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    assert "Passkeys" not in page_text(client.get(reverse("accounts:security")))
    response = client.post(reverse("accounts:passkey_add"), {"name": "Laptop"})
    assert response.status_code == 400


def test_adding_one_needs_a_step_up_before_any_options(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    # No options without the step-up's grant.
    assert client.post(reverse("accounts:passkey_options")).status_code == 400
    response = client.post(reverse("accounts:passkey_add"), {"name": "Work laptop"})
    assert response.url == reverse("twofactor:verify")
    assert client.post(reverse("accounts:passkey_options")).status_code == 400
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    options = client.post(reverse("accounts:passkey_options")).json()
    assert options["rp"]["id"] == "127.0.0.1" or options["rp"]["name"] == "Customer Portal"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    # A made-up answer adds nothing.
    refused = client.post(
        reverse("accounts:passkey_register"),
        data=json.dumps({"id": "x", "response": {}}),
        content_type="application/json",
    )
    assert refused.status_code == 400 and not Passkey.objects.exists()


def test_a_name_is_required(client, allowed, coworker):
    verified_login(client, coworker)
    response = client.post(reverse("accounts:passkey_add"), {"name": "   "})
    assert response.status_code == 400 and "Give the passkey a name" in page_text(response)


def test_login_asks_for_the_passkey_first_and_sends_nothing(client, with_passkey, coworker, outbox):
    sent = len(outbox)
    password_step(client, coworker)
    page = page_text(client.get(reverse("login_verify")))
    assert "Use your passkey" in page and "Passkeys need JavaScript" in page
    assert "Send a code by SMS to +1••••••1299 instead" in page
    assert len(outbox) == sent
    options = client.post(reverse("passkey_options")).json()
    assert [c["id"] for c in options["allowCredentials"]] == ["AAAA"]


def test_a_refused_assertion_counts_toward_the_locks(client, with_passkey, coworker):
    password_step(client, coworker)
    for _ in range(settings.TWOFACTOR_LOCKOUT_FAILURES):
        client.post(reverse("passkey_options"))
        answer = client.post(
            reverse("passkey_verify"),
            data=json.dumps({"id": "AAAA", "rawId": "AAAA", "response": {}, "type": "x"}),
            content_type="application/json",
        )
        assert answer.status_code in (400, 429)
    assert CodeDevice.objects.get(user=coworker).lock() is not None
    assert not is_logged_in(client)


def test_another_way_sends_a_code(client, with_passkey, coworker, outbox):
    password_step(client, coworker)
    client.post(reverse("login_resend"))
    assert outbox[-1]["channel"] == "sms"
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(client)


def test_no_options_without_a_waiting_login(client, with_passkey):
    assert client.post(reverse("passkey_options")).status_code == 400
    assert (
        client.post(
            reverse("passkey_verify"), data="{}", content_type="application/json"
        ).status_code
        == 400
    )


def test_turning_2fa_off_removes_passkeys(client, with_passkey, coworker):
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    client.post(reverse("twofactor:verify"), {"code": "000000"})
    # A step-up was asked (by SMS); the passkey stays until it is entered.
    assert Passkey.objects.filter(user=coworker).exists()


def test_removing_one_needs_a_step_up(client, with_passkey, coworker, outbox):
    verified_login(client, coworker)
    response = client.post(reverse("accounts:passkey_remove", args=[with_passkey.pk]))
    assert response.url == reverse("twofactor:verify")
    assert Passkey.objects.filter(pk=with_passkey.pk).exists()
    # The step-up asks for the passkey first; Try another way sends a code.
    assert "Use your passkey" in page_text(client.get(response.url))
    client.post(reverse("twofactor:resend"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not Passkey.objects.filter(pk=with_passkey.pk).exists()


def test_nobody_removes_another_persons_passkey(client, with_passkey, make_user, allowed):
    other = make_user("dora", allowed)
    verified_login(client, other)
    client.post(reverse("accounts:passkey_remove", args=[with_passkey.pk]))
    assert Passkey.objects.filter(pk=with_passkey.pk).exists()


@pytest.mark.django_db
def test_any_answer_to_the_passkey_step_is_refused_never_a_500(allowed, coworker):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    Passkey.objects.create(user=coworker, name="Key", credential_id="AAAA", public_key=b"\x00")
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
        max_leaves=10,
    )
    bodies = st.one_of(
        st.text(max_size=200),
        st.builds(
            json.dumps,
            st.dictionaries(
                st.sampled_from(["id", "rawId", "response", "type", "clientDataJSON"]), values
            ),
        ),
    )

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(body=bodies)
    def answer(body):
        CodeDevice.objects.filter(user=coworker).update(throttling_failure_count=0)
        browser = Client()
        password_step(browser, coworker)
        browser.post(reverse("passkey_options"))
        response = browser.post(
            reverse("passkey_verify"), data=body, content_type="application/json"
        )
        assert response.status_code in (400, 429)
        assert not is_logged_in(browser)

    answer()


# --- a passkey as the step-up --------------------------------------------------------------


def _step_up_with(client, key, *, challenge=None):
    options = client.post(reverse("twofactor:passkey_options"))
    challenge = challenge or options.json()["challenge"]
    return client.post(
        reverse("twofactor:passkey_verify"),
        data=key.assert_(challenge),
        content_type="application/json",
    )


def test_a_step_up_asks_for_the_passkey_first_and_sends_nothing(client, allowed, coworker, outbox):
    from tests.softkey import SoftKey

    key = SoftKey()
    key.store(coworker)
    verified_login(client, coworker)
    sent = len(outbox)

    asked = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"}
    )

    assert asked.url == reverse("twofactor:verify")
    page = page_text(client.get(asked.url))
    assert "Use your passkey" in page and "Send a code by SMS to +1••••••1299 instead" in page
    assert len(outbox) == sent
    answer = _step_up_with(client, key)
    assert answer.json() == {"ok": True, "redirect": reverse("accounts:settings")}
    assert not CodeDevice.objects.get(user=coworker).enrolled  # 2FA turned off


def test_a_passkey_step_up_never_proves_a_new_phone(client, allowed, coworker, outbox):
    from tests.softkey import SoftKey

    key = SoftKey()
    key.store(coworker)
    verified_login(client, coworker)

    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035550199", "twofactor": "on"},
    )
    answer = _step_up_with(client, key)

    # The step-up is done; the new phone still gets its own code.
    assert answer.json()["ok"] is True
    assert outbox[-1]["to"] == "+13035550199"
    coworker.refresh_from_db()
    assert coworker.phone == "+13035551299"
    page = page_text(client.get(reverse("twofactor:verify")))
    assert "We sent a verification code by SMS" in page
    refused = client.post(reverse("twofactor:passkey_options"), HTTP_ACCEPT="application/json")
    assert refused.status_code == 400


def test_a_removed_passkey_no_longer_answers_a_step_up(client, allowed, coworker):
    from tests.softkey import SoftKey

    key = SoftKey()
    passkey = key.store(coworker)
    spare = SoftKey()
    spare.store(coworker, name="Spare")
    verified_login(client, coworker)
    client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))
    challenge = client.post(reverse("twofactor:passkey_options")).json()["challenge"]
    Passkey.objects.filter(pk=passkey.pk).delete()  # removed elsewhere meanwhile

    answer = client.post(
        reverse("twofactor:passkey_verify"),
        data=key.assert_(challenge),
        content_type="application/json",
    )

    assert answer.status_code == 400 and answer.json()["ok"] is False
    assert Passkey.objects.filter(name="Spare").exists()


def test_the_app_is_another_way_at_a_passkey_step_up(client, allowed, coworker, outbox):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.softkey import SoftKey

    allowed.allow_authenticator_app = True
    allowed.save(update_fields=["allow_authenticator_app"])
    TOTPDevice.objects.create(user=coworker, name="Authenticator app", confirmed=True)
    SoftKey().store(coworker)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    assert "Use your authenticator app instead" in page_text(
        client.get(reverse("twofactor:verify"))
    )

    client.post(reverse("twofactor:app_instead"))

    page = page_text(client.get(reverse("twofactor:verify")))
    assert "Open your authenticator app" in page


def test_another_persons_passkey_does_not_answer_my_step_up(client, allowed, coworker, admin_user):
    from tests.softkey import SoftKey

    SoftKey().store(coworker)
    theirs = SoftKey()
    theirs.store(admin_user)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})

    answer = _step_up_with(client, theirs)

    assert answer.status_code == 400
    assert CodeDevice.objects.get(user=coworker).enrolled
