"""A half-configured channel fails `manage.py check` (and every start) with
what to set, instead of failing at the first code."""

import threading

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from tests.fixtures import LOCMEM
from twofactor.channels import channel_build, get_channel

TWILIO = "twofactor.channels.twilio.TwilioSMSChannel"


def ids() -> set[str]:
    return {message.id for message in run_checks() if message.id.startswith("twofactor.")}


def test_the_test_settings_pass(settings):
    assert ids() == set()


def test_a_missing_channel_is_an_error(settings):
    settings.TWOFACTOR_CHANNELS = {"email": LOCMEM, "sms": LOCMEM}

    assert "twofactor.E001" in ids()


def test_an_unknown_option_is_an_error_not_a_typo_ignored(settings):
    settings.TWOFACTOR_CHANNELS = {
        "email": LOCMEM,
        "sms": {"BACKEND": TWILIO, "OPTIONS": {"ACCOUNT_SID": "AC1", "AUTH_TOKN": "x"}},
        "voice": LOCMEM,
    }

    assert "twofactor.E002" in ids()
    try:
        channel_build("sms", settings.TWOFACTOR_CHANNELS["sms"])
    except ImproperlyConfigured as exc:
        assert "AUTH_TOKN" in str(exc)
    else:
        raise AssertionError("an unknown option was accepted")


def test_a_backend_that_cannot_be_imported_is_an_error(settings):
    settings.TWOFACTOR_CHANNELS = {
        "email": LOCMEM,
        "sms": {"BACKEND": "twofactor.channels.nowhere.Channel"},
        "voice": LOCMEM,
    }

    assert "twofactor.E002" in ids()


def test_twilio_is_all_or_nothing(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM_NUMBER = ""

    assert "twofactor.E010" in ids()


def test_a_sid_that_is_not_an_account_is_warned_about(settings):
    settings.TWILIO_ACCOUNT_SID = "SK" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"

    assert ids() == {"twofactor.W011"}


def test_one_backend_per_channel_per_thread(settings):
    """Like Django's database connections: built once per thread, and anew
    when a test changes the setting."""
    first = get_channel("sms")
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(get_channel("sms")))
    thread.start()
    thread.join()

    assert get_channel("sms") is first
    assert elsewhere[0] is not first
    settings.TWOFACTOR_CHANNELS = {**settings.TWOFACTOR_CHANNELS}
    assert get_channel("sms") is not first


def test_deploy_warnings_say_what_production_lacks(settings):
    from twofactor.checks import delivery_deploy_check

    settings.EMAIL_HOST, settings.EMAIL_USE_TLS = "smtp.example.com", False
    settings.TWILIO_ACCOUNT_SID = ""
    settings.PORTAL_BASE_URL = "http://portal.example.com"

    assert {m.id for m in delivery_deploy_check()} == {
        "twofactor.W021",
        "twofactor.W022",
        "twofactor.W023",
    }
    settings.EMAIL_USE_TLS = True
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    assert delivery_deploy_check() == []
