"""Allow other channels when a code does not arrive, in Chromium against the
served portal. The clocks are controlled: the browser's with Playwright's
clock (the pop-up polls its status every 3 seconds), the server's by moving
the code's sending time 31 seconds back in the shared database."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in, popup, verify
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
CARL_PHONE = "+13035551299"


def test_after_30_seconds_the_pop_up_offers_a_call_and_its_code_logs_in(open_browser, team, inbox):
    from twofactor.models import Challenge

    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.allow_fallback = True
    team.enterprise.save(update_fields=["allow_fallback"])
    page = open_browser()
    page.clock.install()
    log_in(page, "carl")
    dialog = popup(page)
    expect(dialog).to_contain_text("We sent a verification code by SMS")
    inbox.sms_code(CARL_PHONE)  # it went; Carl never sees it
    call_me = dialog.get_by_role("button", name="Call me instead")
    expect(call_me).to_be_hidden()

    # 30 seconds pass with no code entered.
    Challenge.objects.filter(user=team.coworker).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=31)
    )
    page.clock.run_for(3100)  # the pop-up's next status poll

    expect(call_me).to_be_visible()
    expect(dialog.get_by_role("button", name="Email me instead")).to_be_visible()
    check_and_capture(page, "pop-up-fallback", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    call_me.click()
    verify(page, inbox.call_code(CARL_PHONE))

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
