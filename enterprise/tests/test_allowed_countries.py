"""Allowed countries for SMS and voice: the administrator chooses them on the
Two-Factor Authentication tab (none chosen: every country). A phone number
elsewhere is refused wherever a number is set (My Account, the
create_portal_user command, /admin/), and nothing is ever sent to one: a
number saved before the countries narrowed gets its codes by email."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, password_step
from twofactor.destinations import phone_refusal

FRENCH = "+33612345678"
CANADIAN = "+16135550123"


def policy(**overrides):
    data = {"status": "on", "channel": "sms", "remember_days": "0"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def us_only(acme, admin_user, coworker):
    twofactor_on(acme, admin_user, coworker, channel="sms")
    acme.sms_countries = ["US"]
    acme.save()
    return acme


def test_the_administrator_chooses_countries(client, acme, admin_user, outbox):
    twofactor_on(acme, admin_user, channel="sms")
    verified_login(client, admin_user)

    response = client.post(
        reverse("enterprise:twofactor"), policy(sms_countries=["US", "CA"]), follow=True
    )

    acme.refresh_from_db()
    assert sorted(acme.sms_regions) == ["CA", "US"]
    page = page_text(response)
    assert "Chosen: Canada (+1); United States of America (+1);" in page
    assert AuditEvent.objects.filter(detail="SMS and voice allowed to CA, US").exists()


def test_every_country_is_the_default(client, acme, admin_user):
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    page = page_text(client.get(reverse("enterprise:twofactor")))

    assert "Allowed countries for SMS and voice" in page and "Chosen: every country" in page
    assert acme.sms_regions == []


def test_a_country_not_in_the_list_is_refused(client, acme, admin_user):
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(sms_countries=["XX"]))

    assert response.status_code == 400 and "Choose countries from the list." in page_text(response)


@pytest.mark.parametrize("countries", [["US", "FR"], []], ids=["another country", "every country"])
def test_widening_needs_the_administrators_code_narrowing_does_not(
    client, us_only, admin_user, outbox, countries
):
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(sms_countries=countries))

    assert response.url == reverse("twofactor:verify")
    us_only.refresh_from_db()
    assert us_only.sms_regions == ["US"]
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    us_only.refresh_from_db()
    assert sorted(us_only.sms_regions) == sorted(countries)


def test_narrowing_needs_no_code(client, acme, admin_user):
    twofactor_on(acme, admin_user, channel="sms")
    acme.sms_countries = ["US", "FR"]
    acme.save()
    verified_login(client, admin_user)

    client.post(reverse("enterprise:twofactor"), policy(sms_countries=["US"]))

    acme.refresh_from_db()
    assert acme.sms_regions == ["US"]


def test_my_account_refuses_a_number_elsewhere_and_sends_nothing(client, us_only, coworker, outbox):
    verified_login(client, coworker)
    sent = len(outbox)

    response = client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": FRENCH, "twofactor": "on"},
    )

    assert response.status_code == 400
    assert (
        "Your administrator allows SMS and voice codes only to phone numbers in United States "
        "of America. This number is in France" in page_text(response)
    )
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"
    assert len(outbox) == sent


def test_my_account_takes_a_number_in_an_allowed_country(client, us_only, coworker, outbox):
    us_only.sms_countries = ["US", "CA"]
    us_only.save()
    verified_login(client, coworker)

    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": CANADIAN, "twofactor": "on"},
    )

    assert outbox[-1]["to"] == "+13035551299"  # the step-up, to the current phone


def test_create_portal_user_refuses_a_number_elsewhere(us_only):
    with pytest.raises(CommandError, match="only to phone numbers in United States"):
        call_command(
            "create_portal_user",
            "dora",
            enterprise="Acme",
            email="dora@acme.example",
            phone=FRENCH,
            password=PASSWORD,
            stdout=StringIO(),
        )


def test_an_operator_in_admin_cannot_set_a_number_elsewhere(client, us_only, make_user, coworker):
    operator = make_user("olga", us_only)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    twofactor_on(us_only, operator)
    verified_login(client, operator)
    url = reverse("admin:accounts_user_change", args=[coworker.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "password" and form[name].value() is not None
    }
    data.update(
        {
            "phone": FRENCH,
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        }
    )
    data = {
        k: v for k, v in data.items() if v is not False and k not in ("last_login", "date_joined")
    }

    response = client.post(url, data)

    assert response.status_code == 200, response.get("Location")
    assert "only to phone numbers in United States" in page_text(response)
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_a_number_saved_before_the_countries_narrowed_gets_codes_by_email(
    client, us_only, coworker, outbox
):
    coworker.phone = FRENCH
    coworker.save()

    password_step(client, coworker)

    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == coworker.email
    page = page_text(client.get(reverse("login_verify")))
    assert "your administrator doesn't allow SMS and voice to your phone number's country" in page
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "number, regions, refused",
    [
        (FRENCH, [], False),
        (FRENCH, ["FR"], False),
        (FRENCH, ["US", "CA"], True),
        (CANADIAN, ["US"], True),
        ("+13035551212", ["US"], False),
    ],
)
def test_the_rule(number, regions, refused):
    assert bool(phone_refusal(number, regions)) is refused
