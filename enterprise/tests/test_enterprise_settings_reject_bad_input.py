"""Bad input on Enterprise Settings: a clear message next to the field,
unknown ids are 404, nothing changed, never a 500."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from enterprise.models import Enterprise
from tests.code_step import page_text, verified_login
from tests.weird_input import WEIRD_VALUES


@pytest.fixture
def ada(client, admin_user):
    verified_login(client, admin_user)
    return client


def unchanged() -> bool:
    acme = Enterprise.objects.get(name="Acme")
    return (acme.twofactor_enabled, acme.twofactor_channel) == (False, "email")


@pytest.mark.parametrize("channel", ["fax", "EMAIL", "carrier-pigeon", "sms ", "0"])
def test_a_channel_that_does_not_exist_is_refused(ada, channel):
    response = ada.post(reverse("enterprise:twofactor"), {"status": "on", "channel": channel})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="channel-error">Choose a channel from the list: Email, SMS or Voice.' in html
    assert re.search(r'<input[^>]*id="id_status"[^>]*\bchecked', html)  # Status kept ticked
    assert unchanged()


def test_no_channel_at_all_is_refused(ada):
    response = ada.post(reverse("enterprise:twofactor"), {"status": "on"})

    assert response.status_code == 400
    assert "Choose a channel: Email, SMS or Voice." in page_text(response)
    assert unchanged()


@pytest.mark.parametrize("user_id", [0, 999_999, 2**63, 10**30])
def test_an_unknown_coworker_id_is_404(ada, user_id):
    response = ada.get(f"/enterprise/settings/coworkers/{user_id}/")

    assert response.status_code == 404
    assert "Page not found" in page_text(response)


@pytest.mark.parametrize("path", ["coworkers/abc/", "coworkers/-1/", "coworkers/1.5/"])
def test_a_malformed_coworker_id_is_404(ada, path):
    assert ada.get(f"/enterprise/settings/{path}").status_code == 404


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", "\x00"])
def test_any_page_number_shows_a_page(ada, page):
    for url in (reverse("enterprise:twofactor"), reverse("enterprise:audit")):
        response = ada.get(url, {"page": page})
        assert response.status_code == 200, url


@pytest.mark.parametrize("field", ["status", "channel", "confirm_unreachable"])
def test_weird_input_never_breaks_the_two_factor_tab(ada, field):
    data = {"status": "on", "channel": "sms", "confirm_unreachable": "on"}

    for value in WEIRD_VALUES:
        response = ada.post(reverse("enterprise:twofactor"), {**data, field: value})
        notify = ada.post(reverse("enterprise:notify"), {field: value})
        assert response.status_code < 500, repr(value)[:80]
        assert notify.status_code < 500, repr(value)[:80]

    assert Enterprise.objects.get().twofactor_channel in {"email", "sms"}


def test_notify_while_2fa_is_off_sends_nothing(ada):
    response = ada.post(reverse("enterprise:notify"), follow=True)

    assert "Turn on two-factor authentication for the account first." in page_text(response)
    assert mail.outbox == []
