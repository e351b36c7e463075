"""docs/SECURITY.md: a destination changed while 2FA is off is unproven: it must
be proven before it receives a login code.

Before the fix, a phone number put on a login while the account had 2FA off
(or an email changed while the channel was SMS) received the login codes
later, never proven by anyone."""

from django.test import Client
from django.urls import reverse

from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import CodeDevice

THIEF_PHONE = "+13035550666"


def test_a_number_put_on_while_2fa_was_off_gets_no_login_code(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    acme.twofactor_enabled = False  # the account turned it off; carl's choice is kept
    acme.save()
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": THIEF_PHONE})
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == THIEF_PHONE and not outbox
    acme.twofactor_enabled = True  # and back on, by SMS
    acme.save()

    login = Client()
    response = password_step(login, coworker)

    assert response.url == reverse("login_verify")
    assert outbox[-1]["to"] == coworker.email  # the proven address, not the new number
    page = page_text(login.get(response.url))
    assert "isn't confirmed yet" in page


def test_an_email_changed_while_codes_went_by_sms_gets_no_login_code(
    client, coworker, acme, outbox
):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    data = {"email": "carl@new.example", "phone": "+13035551299", "twofactor": "on"}
    response = client.post(reverse("accounts:settings"), data)
    assert outbox[-1]["to"] == "+13035551299"  # a step-up by the phone in use
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    coworker.refresh_from_db()
    assert coworker.email == "carl@new.example"
    acme.twofactor_channel = "email"
    acme.save()
    CodeDevice.objects.filter(user=coworker).update(confirmed=False)

    response = password_step(Client(), coworker)

    assert response.url == reverse("login_verify")
    assert outbox[-1]["to"] == "+13035551299"


def test_saving_again_proves_the_new_detail(client, coworker, acme, outbox):
    """The owner proves the unconfirmed number: a code to the address in use,
    then one to the number; from then on login codes go to the number."""
    twofactor_on(acme, coworker, channel="sms")
    acme.twofactor_enabled = False
    acme.save()
    verified_login(client, coworker)
    new_phone = "+13035550177"
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": new_phone})
    acme.twofactor_enabled = True
    acme.save()

    data = {"email": coworker.email, "phone": new_phone, "twofactor": "on"}
    client.post(reverse("accounts:settings"), data)
    assert outbox[-1]["to"] == coworker.email
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert outbox[-1]["to"] == new_phone
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    password_step(Client(), coworker)
    assert outbox[-1]["to"] == new_phone


def test_an_operator_confirms_the_details_of_a_stranded_person(client, coworker, acme, outbox):
    """Both details changed without proof: no code can be sent. An operator
    setting the email in /admin/ confirms it (operators are trusted), and
    ends the person's sessions (found by a second red-team review)."""
    from types import SimpleNamespace

    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from twofactor.models import CodeDevice

    twofactor_on(acme, coworker, channel="email")
    CodeDevice.objects.filter(user=coworker).update(email_unproven=True, phone_unproven=True)
    assert "Ask your administrator" in page_text(password_step(Client(), coworker))

    # What the user form of /admin/ does when an operator saves a new email.
    user_admin = site._registry[type(coworker)]
    coworker.email = "carl@fixed.example"
    user_admin.save_model(
        RequestFactory().post("/admin/"), coworker, SimpleNamespace(changed_data=["email"]), True
    )

    response = password_step(Client(), coworker)
    assert response.url == reverse("login_verify")
    assert outbox[-1]["to"] == "carl@fixed.example"


def test_my_account_says_which_detail_is_unconfirmed_and_how_to_confirm_it(
    client, coworker, acme, outbox
):
    twofactor_on(acme, coworker, channel="sms")
    from twofactor.models import CodeDevice

    CodeDevice.objects.filter(user=coworker).update(phone_unproven=True)
    verified_login(client, coworker)

    page = page_text(client.get(reverse("accounts:settings")))

    assert "Your phone number isn't confirmed yet, so your codes go by email." in page
    assert "Click Save to confirm it" in page
