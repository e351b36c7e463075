"""docs/SECURITY.md: numbers that are premium-rate, shared-cost, UAN, pager,
voicemail-only or satellite are refused with a clear message before anything
is sent.

Before the fix, +1 900 and +881 numbers received codes (and the bill)."""

import pytest
from django.urls import reverse

from tests.code_step import page_text, verified_login

REFUSED = {
    # phonenumbers' own example numbers of each type
    "+19002345678": "premium-rate",  # US 900
    "+34901123456": "shared-cost",  # Spain 901
    "+445512345678": "UAN",  # UK 055 corporate number
    "+447640123456": "pager",  # UK 076 40
    "+49177991234567": "voicemail-only",  # a German voicemail box
    "+881612345678": "satellite",  # Iridium
    "+870301234567": "satellite",  # Inmarsat
    "+447012345678": "personal",  # UK 070 follow-me number
}


@pytest.mark.parametrize("number", REFUSED)
def test_a_costly_number_is_refused_and_nothing_is_sent(client, coworker, acme, outbox, number):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    verified_login(client, coworker)

    response = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": number, "twofactor": "on"}
    )

    assert response.status_code == 400
    assert "can't receive verification codes" in page_text(response)
    assert outbox == []
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_an_ordinary_mobile_number_is_accepted(client, coworker):
    verified_login(client, coworker)

    response = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": "+447400123456"}
    )

    assert response.status_code == 302
