"""Bad input at the code step and the login form: a clear message, what was
typed kept, no try used up, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code
from tests.weird_input import WEIRD_VALUES
from twofactor.models import Challenge

PAGES = ["/", "/account/settings/", "/enterprise/settings/two-factor/", "/login/", "/login/verify/"]


@pytest.mark.parametrize("typed", ["12a456", "abcdef", "12345", "1234567", "１２３４５６"])
def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(waiting, typed):
    response = waiting.post(reverse("login_verify"), {"code": typed})

    assert response.status_code == 400
    assert "Enter the 6 digits from your message" in page_text(response)
    assert f'value="{typed}"' in response.content.decode()
    # No browser "Please match the requested format" before ours.
    assert "pattern=" not in response.content.decode()
    assert Challenge.objects.get().failed_attempts == 0
    assert not is_logged_in(waiting)


def test_an_empty_code_asks_for_the_code(waiting):
    response = waiting.post(reverse("login_verify"), {"code": ""})
    json = waiting.post(reverse("login_verify"), {"code": " "}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert "Enter the verification code from your message." in page_text(response)
    assert json.status_code == 400
    assert json.json() == {"ok": False, "message": "Enter the verification code from your message."}
    assert Challenge.objects.get().failed_attempts == 0


def test_a_code_pasted_with_a_space_is_fine(waiting, outbox):
    code = last_code(outbox)

    response = waiting.post(reverse("login_verify"), {"code": f" {code[:3]} {code[3:]} "})

    assert response.status_code == 302 and is_logged_in(waiting)


def test_the_change_code_form_says_the_same(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})

    response = client.post(reverse("twofactor:verify"), {"code": "12a456"})

    assert response.status_code == 400
    assert "Enter the 6 digits from your message" in page_text(response)
    assert coworker.twofactor_device.enrolled is True


def test_letters_by_script_get_the_same_words(waiting):
    answer = waiting.post(
        reverse("login_verify"), {"code": "abc123"}, HTTP_ACCEPT="application/json"
    )

    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "message": "Enter the 6 digits from your message"}


def test_an_unknown_delivery_status_kind_is_404(waiting):
    assert waiting.get("/twofactor/status/bogus/").status_code == 404
    assert waiting.get("/twofactor/status/change/").status_code == 404  # not logged in


def test_weird_codes_never_break_the_code_step(waiting):
    for value in WEIRD_VALUES:
        for url in (reverse("login_verify"), reverse("login_resend")):
            response = waiting.post(url, {"code": value})
            assert response.status_code < 500, (url, repr(value)[:80])
            response = waiting.post(url, {"code": value}, HTTP_ACCEPT="application/json")
            assert response.status_code < 500, (url, repr(value)[:80])
    assert not is_logged_in(waiting)


@pytest.mark.parametrize("field", ["username", "password", "next"])
def test_weird_logins_never_break_the_login_page(coworker, field):
    for value in WEIRD_VALUES:
        client = Client()
        data = {"username": "carl", "password": "wrong", field: value}

        response = client.post(reverse("login"), data)
        query = client.get(reverse("login"), {"next": value})

        assert response.status_code < 500, repr(value)[:80]
        assert query.status_code == 200, repr(value)[:80]
        assert not is_logged_in(client)


def test_weird_query_strings_never_break_a_page(client, admin_user):
    verified_login(client, admin_user)
    for value in WEIRD_VALUES:
        for url in PAGES:
            response = client.get(url, {"page": value, "step": value, "next": value})
            assert response.status_code < 500, (url, repr(value)[:80])
