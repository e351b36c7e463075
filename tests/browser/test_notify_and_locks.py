"""The administrator's side of issue 15 in Chromium against the portal
served for real: Email every co-worker shows the email and its recipients
before a confirm button sends it (only to co-workers without 2FA, each copy
saying what to do), and a locked co-worker's row in the co-worker table
reads "Locked until ..." with Unlock. axe-core at both widths; pictures."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import portal_user_create
from tests.browser.people import log_in, log_in_with_code, open_twofactor_tab
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD
from twofactor.models import CodeDevice

pytestmark = pytest.mark.browser
SUBJECT = "Two-factor authentication is available for your Customer Portal login"


@pytest.fixture
def sms_team(team):
    """Acme by SMS; carl has 2FA on; bea (a phone) and dora (none) have not;
    ada, the administrator, has not either (so she logs in with a password)."""
    twofactor_on(team.enterprise, team.coworker, channel="sms")
    for username, first, phone in (("bea", "Bea", "+13035551277"), ("dora", "Dora", "")):
        portal_user_create(
            username=username,
            enterprise=team.enterprise,
            email=f"{username}@acme-logistics.example",
            password=PASSWORD,
            phone=phone,
            first_name=first,
            last_name="Jensen",
        )
    return team


def test_email_every_coworker_previews_then_sends(open_browser, sms_team, inbox):
    page = open_browser()
    log_in(page, "ada")
    open_twofactor_tab(page)

    page.get_by_role("button", name="Email every co-worker").click()

    expect(page.get_by_role("heading", name="Email every co-worker")).to_be_visible()
    expect(page.get_by_text("This will email 2 co-workers who have not turned on")).to_be_visible()
    example = page.get_by_role("group", name="The email as Dora Jensen will read it")
    expect(example).to_contain_text(SUBJECT)
    expect(example).to_contain_text("add your phone number first")
    assert inbox.notices("dora@acme-logistics.example") == []
    check_and_capture(page, "notify-preview")

    page.get_by_role("button", name="Send 2 emails").click()

    expect(page.get_by_role("status")).to_contain_text("A notice is on its way to 2 co-workers.")
    _wait_for(lambda: inbox.notices("dora@acme-logistics.example") == [SUBJECT])
    _wait_for(lambda: inbox.notices("bea@acme-logistics.example") == [SUBJECT])
    assert inbox.notices("carl@acme-logistics.example") == []  # 2FA on already
    assert inbox.notices("ada@acme-logistics.example") == []  # she sent it


def test_a_locked_coworker_in_the_table_is_unlocked_from_it(open_browser, sms_team, inbox):
    # Unlocking someone whose login uses 2FA takes an administrator whose
    # login does too.
    twofactor_on(sms_team.enterprise, sms_team.admin, sms_team.coworker, channel="sms")
    CodeDevice.objects.filter(user=sms_team.coworker).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    open_twofactor_tab(page)

    row = page.get_by_role("table", name="Co-workers").get_by_role("row").filter(has_text="carl")
    expect(row).to_contain_text("Locked until")
    expect(row).to_contain_text("UTC")
    expect(row).not_to_contain_text("Enabled")
    check_and_capture(page, "coworkers-locked")

    row.get_by_role("button", name="Unlock").click()

    expect(page.get_by_role("status")).to_contain_text("Carl Jensen is unlocked")
    row = page.get_by_role("table", name="Co-workers").get_by_role("row").filter(has_text="carl")
    expect(row).to_contain_text("Enabled")
    expect(row.get_by_role("button", name="Unlock")).to_have_count(0)


def _wait_for(condition, seconds: float = 10) -> None:
    """The worker sends the notices after the page answered: wait for them."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the notices did not arrive"
        time.sleep(0.1)
