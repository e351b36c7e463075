"""docs/BEHAVIOUR.md, Audit Log: filters Action, Person, From, To; Export CSV of what the
filters show, streamed; another enterprise's events never appear."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from enterprise.audit import audit_record
from enterprise.models import AuditEvent
from tests.code_step import T0, page_text, verified_login

Action = AuditEvent.Action


@pytest.fixture
def history(admin_user, coworker, make_user, make_enterprise, time_machine):
    """A week of events in Acme, and one in another enterprise."""
    time_machine.move_to(T0, tick=False)
    audit_record(Action.LOGIN_SUCCEEDED, actor=coworker, target=coworker, ip="192.0.2.1")
    time_machine.shift(timedelta(days=2))
    audit_record(Action.USER_2FA_ENABLED, actor=coworker, target=coworker, ip="192.0.2.1")
    time_machine.shift(timedelta(days=2))
    audit_record(Action.ACCOUNT_2FA_ENABLED, enterprise=admin_user.enterprise, actor=admin_user)
    # A detail a spreadsheet would run as a formula.
    audit_record(Action.ACCESS_DENIED, actor=coworker, detail='=HYPERLINK("http://x")')
    other = make_user("olaf", make_enterprise("Other"))
    audit_record(Action.LOGIN_SUCCEEDED, actor=other, target=other)
    return T0


def events(response) -> str:
    """The events table as a person reads it (not the filter's options)."""
    html = response.content.decode()
    return page_text(type("R", (), {"content": html[html.index("<tbody>") :].encode()}))


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_filters_narrow_the_log(client, admin_user, history):
    verified_login(client, admin_user)
    url = reverse("enterprise:audit")

    by_action = events(client.get(url, {"action": Action.USER_2FA_ENABLED}))
    by_person = events(client.get(url, {"person": "CARL"}))
    by_dates = events(client.get(url, {"date_from": "2025-03-05", "date_to": "2025-03-07"}))

    assert "User 2FA enabled" in by_action and "Login succeeded" not in by_action
    assert "Login succeeded" in by_person and "Account 2FA enabled" not in by_person
    assert "User 2FA enabled" in by_dates and "Login succeeded" not in by_dates
    assert "olaf" not in events(client.get(url))


def test_a_bad_filter_says_so_and_filters_nothing(client, admin_user, history):
    verified_login(client, admin_user)

    response = client.get(reverse("enterprise:audit"), {"date_from": "yesterday"})

    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD." in page_text(response)
    assert "Login succeeded" in events(response)


def test_export_csv_holds_what_the_filters_show(client, admin_user, history):
    verified_login(client, admin_user)

    everything = rows(client.get(reverse("enterprise:audit_export")))
    carls = rows(client.get(reverse("enterprise:audit_export"), {"person": "carl"}))

    assert everything[0][:3] == ["Time (UTC)", "Event", "Count"]
    # The header, the export itself (newest first), and Acme's four events.
    assert len(everything) == 1 + 1 + 4
    assert everything[1][1] == "Audit log exported"
    exports = AuditEvent.objects.filter(action=Action.AUDIT_EXPORTED, actor=admin_user)
    assert [e.detail for e in exports.order_by("id")] == ["everything", "person=carl"]
    assert {row[1] for row in carls[1:]} == {"Login succeeded", "User 2FA enabled", "Access denied"}
    assert all("olaf" not in ",".join(row) for row in everything)


def test_export_csv_never_hands_a_spreadsheet_a_formula(client, admin_user, history):
    verified_login(client, admin_user)

    exported = rows(client.get(reverse("enterprise:audit_export")))

    [denied] = [row for row in exported if row[1] == "Access denied"]
    assert denied[-1] == '\'=HYPERLINK("http://x")'


def test_a_coworker_cannot_export(client, coworker, history):
    verified_login(client, coworker)

    assert client.get(reverse("enterprise:audit_export")).status_code == 403


def test_the_last_day_there_is_is_a_date_like_any_other(client, admin_user, history):
    """Found by a second red-team review: To = 9999-12-31 was a 500."""
    client.force_login(admin_user)

    for name in ("enterprise:audit", "enterprise:audit_export"):
        assert client.get(reverse(name), {"date_to": "9999-12-31"}).status_code == 200
