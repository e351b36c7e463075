"""Issue 13, Languages: a voice code is read in the person's Language by a
Twilio voice of that language, through a real worker and the real SDK."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.delivery.parts import verify_code, wait_for
from tests.fixtures import password_step

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_call_is_read_in_the_persons_language(live_delivery, providers, code_user, language):
    twilio, _ = providers
    user = code_user("voice")
    user.language = language
    user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en")  # the browser asks for English

    password_step(client, user)

    [call] = wait_for(lambda: twilio.accepted("Calls"), timeout=20, what="the call")
    twiml = ET.fromstring(call["form"]["Twiml"])  # noqa: S314 (the portal's own TwiML)
    says = list(twiml.iter("Say"))
    voice = settings.TWOFACTOR_VOICE_LANGUAGES[language]
    assert {say.get("language") for say in says} == {voice}
    with translation.override(language):
        opening = translation.gettext("Your Customer Portal verification code is:")
    assert opening != "Your Customer Portal verification code is:"
    assert says[0].text == opening
    code = "".join(say.text for say in says if say.text.isdigit())[:6]
    assert verify_code(client, code).json()["ok"] is True
