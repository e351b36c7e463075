"""Bad input on My Account: a clear message next to the field, what was typed
kept, nothing changed, never a 500."""

import pytest
from django.urls import reverse

from enterprise.models import Enterprise
from tests.code_step import page_text, twofactor_on, verified_login
from tests.weird_input import WEIRD_VALUES
from twofactor.models import CodeDevice

E164 = "Enter the phone number in E.164 format: a plus sign, country code and number, "
E164 += "for example, +13035551212."


@pytest.fixture
def carl(client, coworker):
    verified_login(client, coworker)
    return client


def save(client, **data):
    return client.post(reverse("accounts:settings"), {"email": "carl@example.com", **data})


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("303-555-1212", " Did you mean +13035551212?"),
        ("13035551212", " Did you mean +13035551212?"),
        ("+1303555CALL", " Did you mean +13035552255?"),
        ("tel:+1303", ""),
    ],
)
def test_a_phone_number_not_in_e164_says_what_e164_looks_like(carl, coworker, typed, suggestion):
    response = save(carl, phone=typed)

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="phone-error">{E164}{suggestion}</span>' in html
    assert f'value="{typed}"' in html  # what was typed is kept
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_a_number_that_cannot_exist_is_refused(carl, coworker):
    response = save(carl, phone="+19995550100")

    assert response.status_code == 400
    assert "This is not a valid phone number." in page_text(response)
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_spaces_and_dashes_in_an_e164_number_are_fine(carl, coworker):
    response = save(carl, phone="+1 303-555-0123")

    assert response.status_code == 302
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035550123"


def test_a_bad_email_is_refused_and_kept(carl, coworker):
    response = carl.post(reverse("accounts:settings"), {"email": "carl at example", "phone": ""})

    assert response.status_code == 400
    assert 'id="email-error">Enter a valid email address.' in response.content.decode()
    assert 'value="carl at example"' in response.content.decode()
    coworker.refresh_from_db()
    assert coworker.email == "carl@example.com"


def test_hidden_fields_cannot_change_who_or_what_you_are(carl, coworker, admin_user, make_user):
    other = Enterprise.objects.create(name="Globex")
    response = save(
        carl,
        phone="+13035551299",
        username="ada",
        user_id=admin_user.pk,
        id=admin_user.pk,
        pk=admin_user.pk,
        enterprise=other.pk,
        enterprise_id=other.pk,
        is_enterprise_admin="on",
        is_staff="on",
        is_superuser="on",
        password="x",
    )

    assert response.status_code == 302
    coworker.refresh_from_db()
    admin_user.refresh_from_db()
    assert (coworker.username, coworker.enterprise.name) == ("carl", "Acme")
    assert not (coworker.is_enterprise_admin or coworker.is_staff or coworker.is_superuser)
    assert coworker.check_password("correct-horse-battery-7")
    assert admin_user.email == "ada@example.com"


def test_turning_2fa_on_for_someone_else_is_not_possible(carl, coworker, admin_user, acme, outbox):
    twofactor_on(acme)

    save(carl, phone="+13035551299", twofactor="on", user_id=admin_user.pk)

    assert outbox[-1]["to"] == "carl@example.com"
    assert not CodeDevice.objects.filter(user=admin_user, enrolled=True).exists()


@pytest.mark.parametrize("field", ["email", "phone", "twofactor"])
def test_weird_input_never_breaks_the_page(carl, coworker, acme, field):
    twofactor_on(acme, coworker)
    data = {"email": "carl@example.com", "phone": "+13035551299", "twofactor": "on"}

    for value in WEIRD_VALUES:
        response = carl.post(reverse("accounts:settings"), {**data, field: value})
        assert response.status_code < 500, repr(value)[:80]

    coworker.refresh_from_db()
    assert "\x00" not in coworker.email and "\x00" not in str(coworker.phone)


def test_a_json_body_is_a_form_error_not_a_crash(carl):
    response = carl.post(
        reverse("accounts:settings"), {"email": ["a", "b"]}, content_type="application/json"
    )
    assert response.status_code == 400
