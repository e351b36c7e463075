"""Spanish and French in Chromium against the served portal: the login page
follows the browser's language (Accept-Language), the pop-up and the SMS are
in it, My Account too, and Language on My Account switches the portal to
another. Every page's `lang` says which, and axe-core finds nothing serious
at 1280 and 390 px. The words expected are looked up in the portal's own
catalogues (a page still in English fails)."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser
CARL_PHONE = "+13035551299"


def words(language: str, english: str) -> str:
    with translation.override(language):
        translated = translation.gettext(english)
    assert translated != english, f"{english!r} has no {language} translation"
    return translated


def assert_sms_in(language: str, sms: str) -> None:
    """The text is the portal's SMS in `language` (its WebOTP line, the same
    in every language, aside)."""
    from twofactor.channels.base import render_message

    code = re.search(r"#(\d{6})$", sms).group(1)
    with translation.override(language):
        words_sent = render_message("sms", code).body.rsplit("@", 1)[0]
    with translation.override("en"):
        english = render_message("sms", code).body.rsplit("@", 1)[0]
    assert sms.rsplit("@", 1)[0] == words_sent != english
    assert sms.endswith(f"@localhost #{code}")


def log_in_by_code(page: Page, inbox) -> str:
    """Username, password, then the SMS's code (any language): returns the SMS."""
    page.goto("/login/")
    page.locator("#id_username").fill("carl")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    sms = inbox.sms_body(CARL_PHONE)
    code = re.search(r"\b(\d{6})\b", sms).group(1)
    page.locator("dialog input[name=code]").fill(code)
    page.locator("dialog form[data-verify] button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return sms


@pytest.mark.parametrize("language, locale", [("es", "es-ES"), ("fr", "fr-FR")])
def test_login_and_my_account_follow_the_browsers_language(
    open_browser, team, inbox, language, locale
):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser(locale=locale)

    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("button", name=words(language, "Log In"))).to_be_visible()
    check_and_capture(page, f"log-in-{language}")
    page.set_viewport_size({"width": 1280, "height": 900})

    sms = log_in_by_code(page, inbox)
    assert_sms_in(language, sms)

    page.goto("/account/settings/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words(language, "User Settings"))
    check_and_capture(page, f"my-account-{language}")


def test_language_on_my_account_switches_the_portal(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser(locale="es-ES")
    log_in_by_code(page, inbox)
    page.goto("/account/settings/")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.locator("#id_language").select_option("fr")
    page.locator("#id_language").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("fr", "User Settings"))
    team.coworker.refresh_from_db()
    assert team.coworker.language == "fr"
    # The next code goes in French too, whatever the browser says.
    page.context.clear_cookies()
    assert_sms_in("fr", log_in_by_code(page, inbox))
