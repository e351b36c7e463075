"""Issue 13, Languages: a person reads the portal, their codes and their
notices in their Language (My Account), else in their browser's
(Accept-Language); numbers and dates follow it. The words expected are looked
up in the portal's own catalogues, so a string left in English fails."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.code_step import verified_login
from tests.fixtures import last_code, log_in, password_step
from twofactor.channels.base import render_message
from twofactor.models import Challenge, CodeDevice
from twofactor.vocabulary import Channel

pytestmark = pytest.mark.django_db


def words(language: str, english: str) -> str:
    with translation.override(language):
        translated = translation.gettext(english)
    assert translated != english, f"{english!r} has no {language} translation"
    return translated


def test_the_login_page_follows_the_browsers_language():
    page = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5").get(reverse("login"))
    html = page.content.decode()
    assert '<html lang="fr"' in html
    assert words("fr", "Log In") in html


def test_an_unknown_browser_language_reads_english():
    html = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de").get(reverse("login")).content.decode()
    assert '<html lang="en"' in html


def test_language_on_my_account_wins_over_the_browser(client, coworker):
    log_in(client, coworker)
    response = client.post(reverse("accounts:language"), {"language": "es"})
    assert response.status_code == 302
    coworker.refresh_from_db()
    assert coworker.language == "es"

    # Another browser that asks for French: the person chose Spanish.
    other = Client(HTTP_ACCEPT_LANGUAGE="fr")
    log_in(other, coworker)
    html = other.get(reverse("accounts:settings")).content.decode()
    assert '<html lang="es"' in html
    assert words("es", "User Settings") in html


def test_a_language_that_is_not_offered_is_refused_and_nothing_changes(client, coworker):
    log_in(client, coworker)
    client.post(reverse("accounts:language"), {"language": "de"})
    coworker.refresh_from_db()
    assert coworker.language == ""
    html = client.get(reverse("accounts:settings")).content.decode()
    assert "Choose a language from the list." in html


def test_a_login_code_goes_in_the_persons_language(coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    coworker.language = "fr"
    coworker.save()
    CodeDevice.objects.update_or_create(
        user=coworker, defaults={"enrolled": True, "confirmed": True, "name": "code"}
    )

    password_step(Client(HTTP_ACCEPT_LANGUAGE="en"), coworker)

    [sms] = outbox
    code = last_code(outbox)
    with translation.override("fr"):
        assert sms["body"] == render_message("sms", code).body
    with translation.override("en"):
        assert sms["body"] != render_message("sms", code).body
    assert Challenge.objects.get().language == "fr"


def test_without_a_language_the_code_follows_the_browser(coworker, acme, outbox):
    acme.twofactor_enabled, acme.twofactor_channel = True, "email"
    acme.save()
    CodeDevice.objects.update_or_create(
        user=coworker, defaults={"enrolled": True, "confirmed": True, "name": "code"}
    )

    password_step(Client(HTTP_ACCEPT_LANGUAGE="es-ES,es"), coworker)

    code = last_code(outbox)
    with translation.override("es"):
        assert outbox[-1]["body"] == render_message("email", code).body


def test_a_notice_reads_in_the_readers_language_whoever_acted(
    client, admin_user, make_user, acme, outbox
):
    """An English-reading administrator changes the channel; a Spanish-reading
    one is told in Spanish, the channels by their Spanish names."""
    other_admin = make_user("ana", acme, admin=True)
    other_admin.language = "es"
    other_admin.save()
    acme.twofactor_enabled, acme.twofactor_channel = True, "email"
    acme.save()
    log_in(client, admin_user)

    client.post(
        reverse("enterprise:twofactor"),
        {"status": "on", "channel": "voice"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    [told] = [m for m in mail.outbox if m.to == [other_admin.email]]
    with translation.override("es"):
        voice, email = str(Channel.VOICE.label), str(Channel.EMAIL.label)
    assert voice != "Voice"
    assert voice in told.subject and voice in told.body and email in told.body
    [english] = [m for m in mail.outbox if m.to == [admin_user.email]]
    assert "Voice" in english.subject


# Django's Spanish and French group thousands with a no-break space.
@pytest.mark.parametrize(
    "language, grouped", [("en", "1,000"), ("es", "1\xa0000"), ("fr", "1\xa0000")]
)
def test_numbers_are_grouped_the_readers_way(client, admin_user, acme, language, grouped):
    acme.twofactor_enabled = True
    acme.daily_phone_limit = 1000
    acme.save()
    admin_user.language = language
    admin_user.save()
    verified_login(client, admin_user)

    html = client.get(reverse("enterprise:twofactor")).content.decode()

    with translation.override(language):
        today = translation.gettext("Today: %(phone_today)s of %(limit)s") % {
            "phone_today": 0,
            "limit": grouped,
        }
    assert today in html


@pytest.mark.parametrize(
    "language, written",
    [("en", "5 March 2027"), ("es", "5 de marzo de 2027"), ("fr", "5 mars 2027")],
)
def test_a_deadline_is_written_the_readers_way(client, coworker, acme, language, written):
    acme.twofactor_enabled = True
    acme.twofactor_required, acme.twofactor_deadline = True, date(2027, 3, 5)
    acme.save()
    coworker.language = language
    coworker.save()
    log_in(client, coworker)

    html = client.get(reverse("home")).content.decode()

    assert written in html
