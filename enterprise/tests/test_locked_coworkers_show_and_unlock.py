"""Guide A9: a co-worker whose code step is locked reads "Locked until ..."
(not Enabled) in the co-worker table, its CSV and their page, with Unlock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import log_in
from twofactor.models import CodeDevice

T0 = datetime(2026, 12, 1, 14, 37, 46, tzinfo=UTC)
TAB = reverse("enterprise:twofactor")


@pytest.fixture
def ada(client, admin_user, coworker, acme, time_machine):
    time_machine.move_to(T0, tick=False)
    # Both use 2FA: an administrator whose login does not may not unlock
    # someone whose login does (test_an_administrator_without_2fa_...).
    twofactor_on(acme, admin_user, coworker)
    verified_login(client, admin_user)
    return client


def lock(user, *, failures, at=T0):
    CodeDevice.objects.filter(user=user).update(
        throttling_failure_count=failures, throttling_failure_timestamp=at
    )


def carl_row(response) -> str:
    html = response.content.decode()
    start = html.index('href="/enterprise/settings/coworkers/')
    row = html[
        html.rindex("<tr>", 0, html.index(">carl<")) : html.index("</tr>", html.index(">carl<"))
    ]
    assert start
    return row


def test_a_short_lock_reads_locked_until_a_utc_time_in_the_table(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LOCKOUT_FAILURES)

    row = carl_row(ada.get(TAB))

    assert "Locked until 14:52 UTC" in row  # 14:37:46 + 15 minutes
    assert "Enabled" not in row
    assert f'action="{reverse("enterprise:unlock", args=[coworker.pk])}"' in row
    assert ">Unlock</button>" in row


def test_the_long_lock_reads_until_an_administrator_unlocks_it(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LONG_LOCK_FAILURES)

    row = carl_row(ada.get(TAB))
    page = page_text(ada.get(reverse("enterprise:coworker", args=[coworker.pk])))

    assert "Locked until an administrator unlocks it" in row
    assert "2FA Locked until an administrator unlocks it" in page
    assert "2FA Enabled" not in page


def test_a_lock_that_has_passed_reads_enabled_again(ada, coworker, time_machine):
    lock(coworker, failures=settings.TWOFACTOR_LOCKOUT_FAILURES)
    time_machine.move_to(T0 + settings.TWOFACTOR_LOCKOUT_DURATION + timedelta(seconds=1))

    row = carl_row(ada.get(TAB))

    assert "Locked" not in row and "Enabled" in row and "Unlock" not in row


def test_the_coworker_page_says_locked_until_instead_of_enabled(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LOCKOUT_FAILURES)

    text = page_text(ada.get(reverse("enterprise:coworker", args=[coworker.pk])))

    assert "2FA Locked until 14:52 UTC" in text
    assert "Locked until 14:52:46 UTC : too many wrong verification codes in a row." in text


def test_unlock_from_the_table_comes_back_to_the_table(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LONG_LOCK_FAILURES)

    response = ada.post(reverse("enterprise:unlock", args=[coworker.pk]), {"back": "table"})

    assert response.status_code == 302 and response.url == TAB
    tab = ada.get(TAB)
    assert "is unlocked. They were told by email and log in again." in page_text(tab)
    row = carl_row(tab)
    assert "Enabled" in row and "Locked" not in row
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CODE_STEP_UNLOCKED, target=coworker
    ).exists()


def test_unlock_from_their_page_comes_back_to_their_page(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LOCKOUT_FAILURES)
    page = reverse("enterprise:coworker", args=[coworker.pk])

    response = ada.post(reverse("enterprise:unlock", args=[coworker.pk]))

    assert response.status_code == 302 and response.url == page
    assert "2FA Enabled" in page_text(ada.get(page))


def test_the_csv_says_locked_too(ada, coworker):
    lock(coworker, failures=settings.TWOFACTOR_LOCKOUT_FAILURES)

    csv = b"".join(ada.get(reverse("enterprise:coworkers_export")).streaming_content).decode()

    carl = next(line for line in csv.splitlines() if line.startswith("carl,"))
    assert carl.endswith("Locked until 14:52 UTC,Code by Email")
    lock(coworker, failures=settings.TWOFACTOR_LONG_LOCK_FAILURES)
    csv = b"".join(ada.get(reverse("enterprise:coworkers_export")).streaming_content).decode()
    assert "Locked until an administrator unlocks it" in csv


def test_an_administrator_without_2fa_cannot_unlock_someone_with_it(
    client, admin_user, coworker, acme, time_machine
):
    """Red-team finding: with the administrator's password and the victim's,
    an attacker could unlock after each 100-failure lock and guess codes for
    ever. Unlock now follows Reset's rule: a password alone never undoes
    another's second factor."""
    time_machine.move_to(T0, tick=False)
    twofactor_on(acme, coworker)
    lock(coworker, failures=100)
    log_in(client, admin_user)  # the administrator's own login has no 2FA

    response = client.post(reverse("enterprise:unlock", args=[coworker.pk]), {"back": "table"})

    assert response.status_code == 302
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == 100
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CODE_STEP_UNLOCKED).exists()
    assert "Turn on two-factor authentication for your own login first" in page_text(
        client.get(TAB)
    )
