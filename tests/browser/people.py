"""What a person does in the browser, in the guide's words, and where they
find their codes: the phone (the Twilio stand-in) and the mailbox (SMTP).

Every element is found by its role and accessible name, the names docs/BEHAVIOUR.md
gives; never by a CSS class or an id."""

import re
import time
import xml.etree.ElementTree as ET

from playwright.sync_api import Locator, Page, expect

from tests.fixtures import PASSWORD

CODE_WAIT_SECONDS = 10
SMS_RE = re.compile(
    r"^Your Customer Portal verification code is (\d{6})\. It expires in 10 minutes\.\n*"
    r"@localhost #\1$"
)
EMAIL_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
CODE_SUBJECT = "Your Customer Portal verification code"


class Inbox:
    """The phones and mailboxes of everyone in a test. Each read returns the
    next message not read yet, waiting (bounded) for it to arrive."""

    def __init__(self, twilio, smtp):
        self.twilio = twilio
        self.smtp = smtp
        self._read: dict[tuple[str, str], int] = {}

    def _next(self, kind: str, to: str, fetch) -> object:
        key = (kind, to)
        seen = self._read.get(key, 0)
        deadline = time.monotonic() + CODE_WAIT_SECONDS
        while True:
            items = fetch()
            if len(items) > seen:
                self._read[key] = seen + 1
                return items[seen]
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no new {kind} to {to} within {CODE_WAIT_SECONDS} s ({seen} read before)"
                )
            time.sleep(0.05)

    def _twilio(self, kind: str, to: str) -> list[dict]:
        return [r for r in self.twilio.accepted(kind) if r["form"]["To"] == to]

    def sms_code(self, to: str) -> str:
        """The code in the next text message to `to`, with its WebOTP line."""
        record = self._next("sms", to, lambda: self._twilio("Messages", to))
        body = record["form"]["Body"]
        match = SMS_RE.match(body)
        assert match, f"unexpected SMS body: {body!r}"
        return match.group(1)

    def sms_body(self, to: str) -> str:
        """The next text message to `to`, as sent (in any language)."""
        record = self._next("sms", to, lambda: self._twilio("Messages", to))
        return str(record["form"]["Body"])

    def call_code(self, to: str) -> str:
        """The code read out in the next call to `to`: the digits the TwiML
        says, once and then again."""
        record = self._next("call", to, lambda: self._twilio("Calls", to))
        # The TwiML is the portal's own, as the stand-in received it.
        twiml = ET.fromstring(record["form"]["Twiml"])  # noqa: S314
        digits = [say.text for say in twiml.iter("Say") if say.text and say.text.isdigit()]
        assert len(digits) == 12, f"expected the 6 digits twice: {record['form']['Twiml']}"
        assert digits[:6] == digits[6:], "the second reading differs from the first"
        return "".join(digits[:6])

    def _code_emails(self, to: str) -> list:
        # Security notices go to the same mailbox; only codes are read here.
        return [m for m in self.smtp.to(to) if m["Subject"] == CODE_SUBJECT]

    def email_code(self, to: str) -> str:
        message = self._next("email", to, lambda: self._code_emails(to))
        return EMAIL_RE.search(message.get_body(("plain",)).get_content()).group(1)

    def notices(self, to: str) -> list[str]:
        """The subjects of the security notices `to` has received so far."""
        return [m["Subject"] for m in self.smtp.to(to) if m["Subject"] != CODE_SUBJECT]

    def nothing_more(self, to: str) -> None:
        """No code went to `to` beyond those already read."""
        sent = [r for r in self.twilio.accepted() if r["form"]["To"] == to]
        sent += self._code_emails(to)
        read = sum(count for (_, dest), count in self._read.items() if dest == to)
        assert len(sent) == read, f"{len(sent) - read} unexpected messages to {to}"


# --- the steps ---------------------------------------------------------------------


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """'Enter your username and password. Click Log In.'"""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log In").click()


def popup(page: Page) -> Locator:
    """The Two-Factor Authentication pop-up (a modal <dialog>)."""
    return page.get_by_role("dialog", name="Two-Factor Authentication")


def verify(scope: Page | Locator, code: str) -> None:
    """'Enter the code in the field and click Verify.'"""
    scope.get_by_label("Verification code").fill(code)
    scope.get_by_role("button", name="Verify").click()


def log_in_with_code(page: Page, username: str, read_code) -> None:
    """Log in; the pop-up appears; enter the code from the phone or mailbox."""
    log_in(page, username)
    dialog = popup(page)
    expect(dialog).to_be_visible()
    verify(dialog, read_code())
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome"))


def open_user_settings(page: Page) -> None:
    """'At the top right of the page, click My Account > User Settings.'"""
    banner = page.get_by_role("banner")
    banner.get_by_text("My Account", exact=True).click()
    banner.get_by_role("link", name="User Settings").click()
    expect(page).to_have_url(re.compile(r"/account/settings/$"))


def log_out(page: Page) -> None:
    banner = page.get_by_role("banner")
    banner.get_by_text("My Account", exact=True).click()
    banner.get_by_role("button", name="Log Out").click()
    expect(page.get_by_role("button", name="Log In")).to_be_visible()


def open_twofactor_tab(page: Page) -> None:
    """'In the left column, click Enterprise Settings, and then click the
    Two-Factor Authentication tab.'"""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Enterprise Settings"
    ).click()
    page.get_by_role("navigation", name="Enterprise Settings").get_by_role(
        "link", name="Two-Factor Authentication"
    ).click()
    expect(page).to_have_url(re.compile(r"/enterprise/settings/two-factor/$"))


def status_box(page: Page) -> Locator:
    """The Status checkbox; its accessible description is the word beside it
    (Enabled, Disabled, Verification required)."""
    return page.get_by_role("checkbox", name="Status")


def tick_status(page: Page) -> None:
    """'Under Status, select (or clear) the check box' on My Account. With
    JavaScript the form is sent at once and the pop-up opens, so this is one
    click: Playwright's check() would click again on the reloaded page."""
    status_box(page).click()


def open_security_tab(page: Page) -> None:
    """My Account > User Settings, then the Security tab."""
    open_user_settings(page)
    page.get_by_role("navigation", name="User Settings").get_by_role(
        "link", name="Security"
    ).click()
    expect(page).to_have_url(re.compile(r"/account/security/$"))
