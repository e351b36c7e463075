"""My Account says what is true for the person reading it: a co-worker
without a phone under SMS is told their codes go by email until they add
one; an empty phone field shows no example number that looks saved; a near
miss of a phone number gets the E.164 number it most likely means."""

import pytest
from django.urls import reverse

from tests.code_step import page_text, twofactor_on, verified_login

E164 = "Enter the phone number in E.164 format: a plus sign, country code and number, "
E164 += "for example, +13035551212."


@pytest.fixture
def bea(make_user, acme):
    return make_user("bea", acme)  # no phone number


@pytest.mark.parametrize("enrolled", [False, True])
def test_a_coworker_without_a_phone_under_sms_reads_that_codes_go_by_email(
    client, bea, acme, enrolled
):
    twofactor_on(acme, *([bea] if enrolled else []), channel="sms")
    verified_login(client, bea)

    text = page_text(client.get(reverse("accounts:settings")))

    assert "Your account sends verification codes by SMS ." in text  # SMS in <strong>
    assert (
        "You have no phone number, so your codes go by email (to b•••@example.com) until you "
        "add a phone number." in text
    )
    assert "Your account sends verification codes by SMS (to" not in text


def test_a_coworker_with_a_phone_reads_where_codes_go(client, coworker, acme):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    text = page_text(client.get(reverse("accounts:settings")))

    assert "Your account sends verification codes by SMS (to +1••••••1299)." in text


def test_the_empty_phone_field_shows_the_example_only_in_the_hint(client, bea, acme):
    twofactor_on(acme, channel="sms")
    verified_login(client, bea)

    for page in ("accounts:settings", "accounts:profile"):
        html = client.get(reverse(page)).content.decode()
        assert "placeholder=" not in html.split('id="id_phone"')[1].split(">")[0]
        assert 'value=""' in html.split('id="id_phone"')[1].split(">")[0]
        assert "E.164 format, for example, +13035551212" in html


@pytest.mark.parametrize("typed", ["303-555-1212", "(303) 555 1212", "13035551212"])
def test_a_near_miss_phone_number_gets_a_suggestion_and_nothing_is_saved(client, coworker, typed):
    verified_login(client, coworker)

    response = client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": typed})

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="phone-error">{E164} Did you mean +13035551212?</span>' in html
    assert f'value="{typed}"' in html
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_the_suggestion_reads_the_number_in_the_enterprises_first_country(client, coworker, acme):
    acme.sms_countries = ["GB"]
    acme.save(update_fields=["sms_countries"])
    verified_login(client, coworker)

    response = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": "020 7946 0018"}
    )

    assert "Did you mean +442079460018?" in page_text(response)


def test_no_suggestion_when_nothing_sensible_comes_of_it(client, coworker):
    verified_login(client, coworker)

    response = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": "tel:+1303"}
    )

    assert response.status_code == 400
    assert "Did you mean" not in page_text(response)
