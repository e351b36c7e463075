"""Rolling out two-factor authentication (docs/BEHAVIOUR.md, "Rolling out"),
walked in Chromium against the portal served for real, in the order of
docs/GUIDE.md: an administrator requires 2FA by a deadline and co-workers
see the banner; past the deadline a co-worker is kept on My Account until
they turn it on; a remembered browser logs in with the password alone until
it is revoked on Security; recovery codes are generated, downloaded and used
at login; an administrator resets a co-worker who lost their phone.

Each test starts from the state the steps before it leave, set up directly
in the database. axe-core checks each new page at both widths, and the
pictures go to docs/screenshots/ for the guide."""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from enterprise.rollout import today_utc
from tests.browser.people import (
    log_in,
    log_in_with_code,
    log_out,
    open_security_tab,
    open_twofactor_tab,
    open_user_settings,
    popup,
    status_box,
    tick_status,
    verify,
)
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
ADA_PHONE, CARL_PHONE = "+13035551212", "+13035551299"
CARL_EMAIL = "carl@acme-logistics.example"
RECOVERY_CODE_RE = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}$")
NOTICE_WAIT_SECONDS = 10


def capture(page: Page, name: str, *, full_page: bool = True) -> None:
    """axe-core at 1280 and 390 px and the pictures; then back to the
    laptop's width for the steps that follow."""
    check_and_capture(page, name, full_page=full_page)
    page.set_viewport_size({"width": 1280, "height": 900})


def notice_arrives(inbox, to: str, subject: str) -> None:
    """The worker emails security notices; wait (bounded) for this one."""
    deadline = time.monotonic() + NOTICE_WAIT_SECONDS
    while subject not in inbox.notices(to):
        if time.monotonic() >= deadline:
            raise AssertionError(f"no notice {subject!r} to {to}: {inbox.notices(to)}")
        time.sleep(0.05)


def banner(page: Page):
    """The roll-out banner above every page's content."""
    return page.get_by_role("region", name="Two-factor authentication required")


def require(enterprise, *, days_left: int) -> None:
    """The administrator required 2FA; the deadline is `days_left` days away
    (negative: it has passed)."""
    enterprise.twofactor_required = True
    enterprise.twofactor_deadline = today_utc() + timedelta(days=days_left)
    enterprise.save(update_fields=["twofactor_required", "twofactor_deadline"])


def test_the_administrator_requires_2fa_by_a_deadline_and_coworkers_see_the_banner(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    deadline = today_utc() + timedelta(days=14)
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code(ADA_PHONE))
    # 1. Enterprise Settings > Two-Factor Authentication; Status is selected.
    open_twofactor_tab(page)
    expect(status_box(page)).to_be_checked()
    rolling_out = page.get_by_role("group", name="Rolling out")
    # 2. Under Rolling out, select Require for every co-worker and choose a Deadline.
    rolling_out.get_by_role("checkbox", name="Require for every co-worker").check()
    rolling_out.get_by_label("Deadline").fill(deadline.isoformat())
    # 3. Click Save. Requiring it makes nobody's login easier: no code asked.
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Two-factor authentication is required: co-workers without it have until "
        f"{deadline.day} {deadline:%B %Y} (UTC) to turn it on."
    )
    expect(popup(page)).to_have_count(0)
    # The tab shows it.
    expect(rolling_out.get_by_role("checkbox", name="Require for every co-worker")).to_be_checked()
    expect(rolling_out.get_by_label("Deadline")).to_have_value(deadline.isoformat())
    # The counts above the co-worker table: Carl has not set it up.
    filters = page.get_by_role("navigation", name="Filter co-workers")
    expect(filters.get_by_role("link", name=re.compile(r"^Not set up\D*1\b"))).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    capture(page, "rollout-settings")
    inbox.nothing_more(ADA_PHONE)

    # A co-worker without 2FA sees the banner on every page, with the date.
    carl = open_browser()
    log_in(carl, "carl")
    expect(carl.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    expect(banner(carl)).to_contain_text("Your administrator requires two-factor authentication.")
    expect(banner(carl)).to_contain_text(f"{deadline.day} {deadline:%B %Y}")
    capture(carl, "rollout-banner")
    open_user_settings(carl)
    expect(banner(carl)).to_be_visible()
    # The link in it leads to My Account, where it is turned on.
    banner(carl).get_by_role("link", name="My Account").click()
    expect(carl).to_have_url(re.compile(r"/account/settings/$"))


def test_an_overdue_coworker_can_open_only_my_account_until_they_turn_2fa_on(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    require(team.enterprise, days_left=-1)
    page = open_browser()
    # 1. They log in with their password; the portal takes them to My Account.
    log_in(page, "carl")
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Turn on two-factor authentication here (tick Status"
    )
    expect(banner(page)).to_contain_text("has passed")
    capture(page, "rollout-overdue")
    # 2. Every other page sends them back there.
    for path in ("/", "/account/security/", "/account/profile/", "/enterprise/settings/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/account/settings/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    # 3. Under Status, select the check box; enter the code sent; Verify; Save.
    tick_status(page)
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("We sent a verification code by SMS")
    verify(dialog, inbox.sms_code(CARL_PHONE))
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Save").click()
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    # 4. The portal opens again, without the banner.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    expect(banner(page)).to_have_count(0)
    inbox.nothing_more(CARL_PHONE)


def test_a_remembered_browser_logs_in_with_the_password_until_it_is_revoked(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.remember_browser_days = 7
    team.enterprise.save(update_fields=["remember_browser_days"])
    page = open_browser()
    # 1. Log in; in the pop-up, select Remember this browser for 7 days; Verify.
    log_in(page, "carl")
    expect(popup(page)).to_be_visible()
    code = inbox.sms_code(CARL_PHONE)
    # Shown again once the text is out, so the picture always says "Sent".
    page.reload()
    dialog = popup(page)
    expect(dialog).to_contain_text("Delivery: Sent")
    dialog.get_by_label("Verification code").fill(code)
    dialog.get_by_role("checkbox", name="Remember this browser for 7 days").check()
    capture(page, "login-remember-browser", full_page=False)
    dialog.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    notice_arrives(inbox, CARL_EMAIL, "Customer Portal: a browser was remembered for your login")
    log_out(page)

    # 2. The next login in this browser: the password alone, no pop-up.
    log_in(page, "carl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    expect(popup(page)).to_have_count(0)
    inbox.nothing_more(CARL_PHONE)

    # 3. My Account > User Settings > Security: Trusted browsers lists it.
    open_security_tab(page)
    # The section (its table scrolls in a region of the same name).
    trusted = page.get_by_role("region", name="Trusted browsers").first
    expect(trusted.get_by_role("row")).to_have_count(2)  # the header and this browser
    expect(trusted).to_contain_text("(this browser)")
    expect(page.get_by_role("button", name="Revoke all")).to_be_visible()
    capture(page, "security-trusted-browsers")
    # 4. Click Revoke on its row. This session was opened by that trust
    #    alone (no code), so it ends with it.
    trusted.get_by_role("button", name=re.compile(r"^Revoke .*\(this browser\)$")).click()
    expect(page.get_by_role("button", name="Log In")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "This browser is no longer remembered for your login."
    )

    # 5. The next login asks for a code again.
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    inbox.nothing_more(CARL_PHONE)


def test_revoke_all_forgets_every_remembered_browser(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.remember_browser_days = 7
    team.enterprise.save(update_fields=["remember_browser_days"])
    laptop, phone = open_browser(), open_browser(width=390, height=844)
    for browser in (laptop, phone):
        log_in(browser, "carl")
        dialog = popup(browser)
        dialog.get_by_label("Verification code").fill(inbox.sms_code(CARL_PHONE))
        dialog.get_by_role("checkbox", name="Remember this browser for 7 days").check()
        dialog.get_by_role("button", name="Verify").click()
        expect(browser.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")

    open_security_tab(laptop)
    trusted = laptop.get_by_role("region", name="Trusted browsers").first
    expect(trusted.get_by_role("row")).to_have_count(3)
    laptop.get_by_role("button", name="Revoke all").click()
    expect(laptop.get_by_role("status")).to_contain_text("2 browsers are no longer remembered.")

    log_out(phone)
    log_in_with_code(phone, "carl", lambda: inbox.sms_code(CARL_PHONE))
    inbox.nothing_more(CARL_PHONE)


def test_a_coworker_generates_downloads_and_logs_in_with_a_recovery_code(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    # 1. My Account > User Settings > Security: Recovery codes.
    open_security_tab(page)
    section = page.get_by_role("region", name="Recovery codes", exact=True)
    expect(section).to_contain_text("You have 0 of 10 recovery codes left.")
    # 2. Click Generate recovery codes; the pop-up asks for a code first.
    section.get_by_role("button", name="Generate recovery codes").click()
    dialog = popup(page)
    expect(dialog).to_contain_text("by SMS")
    verify(dialog, inbox.sms_code(CARL_PHONE))
    # 3. The ten codes, shown once.
    codes_list = page.get_by_role("list", name="Recovery codes")
    expect(codes_list.get_by_role("listitem")).to_have_count(10)
    codes = [text.strip() for text in codes_list.get_by_role("listitem").all_inner_texts()]
    assert all(RECOVERY_CODE_RE.match(code) for code in codes), codes
    assert len(set(codes)) == 10
    expect(section).to_contain_text("You have 10 of 10 recovery codes left.")
    capture(page, "recovery-codes")
    # 4. Download: a text file with the same ten codes.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".txt")
    with open(download.path(), encoding="utf-8") as saved:
        assert saved.read().split() == codes
    notice_arrives(inbox, CARL_EMAIL, "Customer Portal: new recovery codes were generated")
    log_out(page)

    # 5. The phone is gone: at login, open Use a recovery code and type one.
    log_in(page, "carl")
    expect(popup(page)).to_be_visible()
    inbox.sms_code(CARL_PHONE)  # sent, and never read by its owner
    page.reload()
    dialog = popup(page)
    expect(dialog).to_contain_text("Delivery: Sent")
    dialog.get_by_text("Use a recovery code").click()
    dialog.get_by_label("Recovery code", exact=True).fill(codes[3])
    capture(page, "login-recovery-code", full_page=False)
    dialog.get_by_role("button", name="Use this recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    notice_arrives(inbox, CARL_EMAIL, "Customer Portal: a recovery code was used")
    # Each works once: one fewer is left.
    open_security_tab(page)
    expect(page.get_by_role("region", name="Recovery codes", exact=True)).to_contain_text(
        "You have 9 of 10 recovery codes left."
    )
    inbox.nothing_more(CARL_PHONE)


@pytest.mark.parametrize("required", [False, True], ids=["optional", "required and overdue"])
def test_an_administrator_resets_a_coworker_who_lost_their_phone(
    open_browser, team, inbox, required
):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    if required:
        require(team.enterprise, days_left=-1)
    carl = open_browser()
    log_in_with_code(carl, "carl", lambda: inbox.sms_code(CARL_PHONE))

    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code(ADA_PHONE))
    # 1. On the Two-Factor Authentication tab, click the co-worker's username.
    open_twofactor_tab(page)
    page.get_by_role("table", name="Co-workers").get_by_role("link", name="carl").click()
    expect(page).to_have_url(re.compile(r"/enterprise/settings/coworkers/\d+/$"))
    # 2. Type a Reason; click Reset two-factor authentication.
    page.get_by_label("Reason").fill("lost phone, confirmed by a call")
    if not required:
        capture(page, "coworker-reset")
    page.get_by_role("button", name="Reset two-factor authentication").click()
    # 3. Their own login uses 2FA: the pop-up asks for their code first.
    dialog = popup(page)
    expect(dialog).to_contain_text("by SMS")
    verify(dialog, inbox.sms_code(ADA_PHONE))
    expect(page.get_by_role("status")).to_contain_text(
        "Two-factor authentication for Carl Jensen is reset"
    )
    expect(page.get_by_role("main")).to_contain_text(
        "Carl Jensen has no two-factor authentication to reset."
    )
    if not required:
        capture(page, "coworker-reset-done")
    notice_arrives(
        inbox, CARL_EMAIL, "Customer Portal: an administrator reset your two-factor authentication"
    )

    # Carl's session was logged out; his next login needs no code.
    carl.reload()
    expect(carl.get_by_role("button", name="Log In")).to_be_visible()
    log_in(carl, "carl")
    expect(popup(carl)).to_have_count(0)
    if required:
        # Required and past its deadline: straight to turning it on again.
        expect(carl).to_have_url(re.compile(r"/account/settings/$"))
        expect(banner(carl)).to_contain_text("has passed")
        expect(status_box(carl)).not_to_be_checked()
    else:
        expect(carl.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more(CARL_PHONE)
