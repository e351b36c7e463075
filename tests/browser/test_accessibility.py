"""axe-core on the four places a person uses: the log-in page, the pop-up,
Enterprise Settings and My Account, at 1280 px and at 390 px wide; and the
pictures of them in docs/screenshots/ that the README shows."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.services import portal_user_create
from tests.browser.axe import assert_no_serious_violations
from tests.browser.people import (
    log_in,
    log_in_with_code,
    open_twofactor_tab,
    open_user_settings,
    popup,
    status_box,
    tick_status,
)
from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A laptop, and a phone (390 px: the width of most current iPhones).
SIZES = ((1280, 800), (390, 844))


@pytest.fixture
def coworkers(team):
    """A few more co-workers, so the Enterprise Settings table looks like a
    real account's: one without a phone number, one who has not opted in."""
    for username, first, last, phone in (
        ("bea", "Beatriz", "Souza", ""),
        ("dan", "Dan", "Okafor", "+13035551234"),
    ):
        portal_user_create(
            username=username,
            enterprise=team.enterprise,
            email=f"{username}@acme-logistics.example",
            password=PASSWORD,
            phone=phone,
            first_name=first,
            last_name=last,
        )
    from django.contrib.auth import get_user_model

    bea = get_user_model().objects.get(username="bea")
    twofactor_on(team.enterprise, team.admin, team.coworker, bea, channel="sms")
    return team


def check_and_capture(page: Page, name: str, *, full_page: bool = True) -> None:
    """axe-core finds nothing serious at either width; save the pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert_no_serious_violations(page, f"{name} at {width} px")
        page.screenshot(
            path=SCREENSHOTS / f"{name}-{width}.png",
            full_page=full_page,
            animations="disabled",
            caret="hide",
        )


def test_the_log_in_page(open_browser, team):
    page = open_browser()
    page.goto("/login/")
    expect(page.get_by_role("button", name="Log In")).to_be_visible()
    check_and_capture(page, "log-in")


def test_the_popup(open_browser, coworkers, inbox):
    page = open_browser()
    log_in(page, "carl")
    expect(popup(page)).to_be_visible()
    inbox.sms_code("+13035551299")
    # Shown again once the text is out, so the picture always says "Sent".
    page.reload()
    dialog = popup(page)
    expect(dialog).to_contain_text("Delivery: Sent")
    expect(page.get_by_label("Verification code")).to_be_focused()
    check_and_capture(page, "pop-up", full_page=False)


def test_the_popup_on_my_account(open_browser, coworkers, inbox):
    page = open_browser()
    log_in(page, "dan")
    open_user_settings(page)
    tick_status(page)
    expect(popup(page)).to_be_visible()
    inbox.sms_code("+13035551234")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert_no_serious_violations(page, f"the My Account pop-up at {width} px")


def test_enterprise_settings(open_browser, coworkers, inbox):
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    open_twofactor_tab(page)
    expect(page.get_by_role("table", name="Co-workers")).to_be_visible()
    check_and_capture(page, "enterprise-settings")
    # The other two tabs, checked but not pictured.
    tabs = page.get_by_role("navigation", name="Enterprise Settings")
    for tab in ("General", "Audit Log"):
        tabs.get_by_role("link", name=tab).click()
        expect(tabs.get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert_no_serious_violations(page, f"Enterprise Settings > {tab} at {width} px")


def test_my_account(open_browser, coworkers, inbox):
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code("+13035551299"))
    open_user_settings(page)
    expect(status_box(page)).to_have_accessible_description("Enabled")
    check_and_capture(page, "my-account")
