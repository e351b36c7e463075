"""The roll-out view of the Two-Factor Authentication tab: counts Enabled,
Verification required, Not set up (and Overdue once the deadline has passed)
above the co-worker table, each a link that filters it; Export CSV of the
table as filtered, streamed, audited, for administrators only."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprise import selectors
from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from twofactor.models import CodeDevice

TAB = reverse("enterprise:twofactor")
EXPORT = reverse("enterprise:coworkers_export")
BEFORE = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
DEADLINE = dt.date(2026, 12, 15)
# The deadline is the last day: overdue from the next day, UTC.
AFTER = dt.datetime(2026, 12, 16, 0, 0, 1, tzinfo=dt.UTC)


def person(username, enterprise, state=None, **fields):
    """A co-worker whose own 2FA is `state`: "enabled", "verification_required",
    "off" (a device row, not enrolled) or None (no device row at all)."""
    user = get_user_model().objects.create(
        username=username,
        enterprise=enterprise,
        email=fields.pop("email", f"{username}@example.com"),
        password="!",  # unusable: these people never log in here
        **fields,
    )
    if state is not None:
        CodeDevice.objects.create(
            user=user,
            name="Customer Portal code",
            enrolled=state != "off",
            confirmed=state == "enabled",
        )
    return user


@pytest.fixture
def mix(acme, admin_user, make_enterprise):
    """Acme with 2FA on: the administrator and emma Enabled; vera and vince
    Verification required; nora (no device) and ned (opted out) Not set up.
    Another enterprise's olaf and otto, who must never show."""
    twofactor_on(acme, admin_user)
    person("emma", acme, "enabled", phone="+13035551201", first_name="Emma", last_name="Ek")
    person("vera", acme, "verification_required", first_name='=HYPERLINK("http://x")')
    person("vince", acme, "verification_required", last_name="@SUM(A1:A9)")
    person("nora", acme, None, first_name="Nora")
    person("ned", acme, "off", first_name="-2+3")
    other = make_enterprise("Other", enabled=True)
    person("olaf", other, "enabled")
    person("otto", other, None)
    return acme


def at(moment, time_machine, client, user):
    """Time frozen at `moment`, and a fresh login then (sessions end after 12 hours)."""
    time_machine.move_to(moment, tick=False)
    verified_login(client, user)


def require_by_deadline(enterprise):
    enterprise.twofactor_required, enterprise.twofactor_deadline = True, DEADLINE
    enterprise.save()


def usernames(response) -> list[str]:
    """The table's rows, by username, in order."""
    assert response.status_code == 200
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'href="/enterprise/settings/coworkers/\d+/">([^<]+)</a>', body)


def filter_links(response) -> dict[str, str]:
    """The counts, as link text -> href, and which one is current."""
    html = response.content.decode()
    nav = re.search(r'<nav aria-label="Filter co-workers">(.*?)</nav>', html, re.S)
    assert nav, "no counts above the table"
    links = re.findall(r'<a href="([^"]*)"( aria-current="true")?>([^<]+)</a>', nav.group(1))
    return {text: href + (" (current)" if current else "") for href, current, text in links}


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_counts_add_up_a_mix_of_states(mix):
    counts = selectors.rollout_counts(mix)

    assert counts == {
        "total": 6,
        "enabled": 2,
        "verification_required": 2,
        "not_set_up": 2,
        "overdue": None,
    }


def test_the_counts_are_one_query(mix, time_machine):
    time_machine.move_to(AFTER, tick=False)
    require_by_deadline(mix)
    mix.refresh_from_db()

    with CaptureQueriesContext(connection) as captured:
        counts = selectors.rollout_counts(mix)

    assert len(captured) == 1, [q["sql"] for q in captured]
    assert counts["overdue"] == 2


def test_the_tab_shows_the_counts_as_links_that_filter(client, mix, admin_user):
    verified_login(client, admin_user)

    response = client.get(TAB)

    assert filter_links(response) == {
        "All 6": f"{TAB} (current)",
        "Enabled 2": f"{TAB}?state=enabled",
        "Verification required 2": f"{TAB}?state=verification_required",
        "Not set up 2": f"{TAB}?state=not_set_up",
    }
    assert usernames(response) == ["ada", "emma", "ned", "nora", "vera", "vince"]
    assert f'href="{EXPORT}">Export CSV</a>' in response.content.decode()


@pytest.mark.parametrize(
    "state, people, link",
    [
        ("enabled", ["ada", "emma"], "Enabled 2"),
        ("verification_required", ["vera", "vince"], "Verification required 2"),
        ("not_set_up", ["ned", "nora"], "Not set up 2"),
    ],
)
def test_each_filter_shows_only_its_people(client, mix, admin_user, state, people, link):
    verified_login(client, admin_user)

    response = client.get(TAB, {"state": state})

    assert usernames(response) == people
    assert filter_links(response)[link].endswith("(current)")
    assert not filter_links(response)["All 6"].endswith("(current)")
    # Export CSV exports what the table shows.
    assert f'href="{EXPORT}?state={state}">Export CSV</a>' in response.content.decode()


@pytest.mark.parametrize(
    "raw", ["", "ENABLED", "off", "enabled ", "'; DROP TABLE x; --", "<script>", "overdue\x00"]
)
def test_a_bad_state_shows_everyone_without_an_error(client, mix, admin_user, raw):
    verified_login(client, admin_user)

    response = client.get(TAB, {"state": raw})

    assert usernames(response) == ["ada", "emma", "ned", "nora", "vera", "vince"]
    assert filter_links(response)["All 6"].endswith("(current)")
    assert selectors.rollout_state(raw) is None


def test_a_repeated_state_takes_the_last(client, mix, admin_user):
    verified_login(client, admin_user)

    response = client.get(f"{TAB}?state=enabled&state=not_set_up")

    assert usernames(response) == ["ned", "nora"]


def test_the_pages_of_a_filter_keep_it(client, mix, admin_user):
    for i in range(30):
        person(f"pat{i:02d}", mix, None)
    verified_login(client, admin_user)

    first = client.get(TAB, {"state": "not_set_up"})
    second = client.get(TAB, {"state": "not_set_up", "page": "2"})

    assert "Not set up 32" in filter_links(first)
    assert 'href="?state=not_set_up&amp;page=2"' in first.content.decode()
    assert len(usernames(first)) == 25
    assert usernames(second) == [f"pat{i:02d}" for i in range(23, 30)]
    assert 'href="?state=not_set_up&amp;page=1"' in second.content.decode()


def test_the_pager_can_take_the_count_it_would_make(mix):
    """coworker_page(count=...) with the number rollout_counts() has: the same
    page, one COUNT fewer."""
    counts = selectors.rollout_counts(mix)

    def page(**count):
        with CaptureQueriesContext(connection) as captured:
            result = selectors.coworker_page(
                enterprise_id=mix.pk, page_number="1", state="not_set_up", **count
            )
            names = [user.username for user in result]
        return names, result.paginator.num_pages, len(captured)

    counted, given = page(), page(count=counts["not_set_up"])

    assert given[:2] == counted[:2] == (["ned", "nora"], 1)
    assert given[2] == counted[2] - 1


def test_overdue_shows_only_once_the_deadline_has_passed(client, mix, admin_user, time_machine):
    require_by_deadline(mix)

    at(BEFORE, time_machine, client, admin_user)
    before = client.get(TAB)
    nobody_yet = client.get(TAB, {"state": "overdue"})
    at(AFTER - dt.timedelta(seconds=2), time_machine, client, admin_user)
    last_day = client.get(TAB)
    at(AFTER, time_machine, client, admin_user)
    after = client.get(TAB)
    overdue = client.get(TAB, {"state": "overdue"})

    assert not any(text.startswith("Overdue") for text in filter_links(before))
    assert not any(text.startswith("Overdue") for text in filter_links(last_day))
    assert usernames(nobody_yet) == []
    assert "No co-workers in this state." in page_text(nobody_yet)
    assert filter_links(after)["Overdue 2"] == f"{TAB}?state=overdue"
    assert "Not set up 2" in filter_links(after)
    assert usernames(overdue) == ["ned", "nora"]
    assert filter_links(overdue)["Overdue 2"].endswith("(current)")


def test_nobody_is_overdue_when_2fa_is_not_required(client, mix, admin_user, time_machine):
    mix.twofactor_deadline = DEADLINE  # a deadline kept, but not required
    mix.save()
    at(AFTER, time_machine, client, admin_user)

    response = client.get(TAB, {"state": "overdue"})

    assert selectors.rollout_counts(mix)["overdue"] is None
    assert usernames(response) == []


def test_export_csv_holds_the_filtered_table(client, mix, admin_user):
    verified_login(client, admin_user)

    everyone = rows(client.get(EXPORT))
    waiting = rows(client.get(EXPORT, {"state": "verification_required"}))

    assert everyone[0] == [
        "Username",
        "First name",
        "Last name",
        "Email",
        "Phone number",
        "Administrator",
        "2FA",
        "Methods",
    ]
    assert [row[0] for row in everyone[1:]] == ["ada", "emma", "ned", "nora", "vera", "vince"]
    by_name = {row[0]: row for row in everyone[1:]}
    assert by_name["emma"] == [
        "emma",
        "Emma",
        "Ek",
        "emma@example.com",
        "'+13035551201",  # starts with +: escaped like any other cell
        "No",
        "Enabled",
        "Code by Email",
    ]
    assert by_name["ada"][5:] == ["Yes", "Enabled", "Code by Email"]
    assert by_name["nora"][4:] == ["", "No", "Disabled", ""]
    assert by_name["ned"][6] == "Disabled"
    assert by_name["vera"][6] == "Verification required"
    assert [row[0] for row in waiting[1:]] == ["vera", "vince"]
    assert waiting[0] == everyone[0]


def test_export_csv_never_hands_a_spreadsheet_a_formula(client, mix, admin_user):
    verified_login(client, admin_user)

    by_name = {row[0]: row for row in rows(client.get(EXPORT))[1:]}

    assert by_name["vera"][1] == '\'=HYPERLINK("http://x")'
    assert by_name["vince"][2] == "'@SUM(A1:A9)"
    assert by_name["ned"][1] == "'-2+3"


def test_export_csv_holds_only_this_enterprises_people(client, mix, admin_user):
    verified_login(client, admin_user)

    for state in (None, *selectors.ROLLOUT_STATES):
        exported = rows(client.get(EXPORT, {"state": state} if state else {}))
        assert all(row[0] not in {"olaf", "otto"} for row in exported)
        assert all("olaf" not in ",".join(row) for row in exported)


def test_export_csv_says_disabled_while_the_account_has_2fa_off(client, mix, admin_user):
    mix.twofactor_enabled = False
    mix.save()
    client.force_login(admin_user)

    by_name = {row[0]: row[6] for row in rows(client.get(EXPORT))[1:]}
    table = page_text(client.get(TAB))

    assert by_name == {
        "ada": "Disabled (kept for later)",
        "emma": "Disabled (kept for later)",
        "vera": "Disabled (kept for later)",
        "vince": "Disabled (kept for later)",
        "nora": "Disabled",
        "ned": "Disabled",
    }
    assert "Disabled (kept for later)" in table
    # Counted as what they chose: it comes back when the account turns 2FA on.
    assert "Enabled 2" in filter_links(client.get(TAB))


def test_export_overdue_only_after_the_deadline(client, mix, admin_user, time_machine):
    require_by_deadline(mix)

    at(BEFORE, time_machine, client, admin_user)
    before = rows(client.get(EXPORT, {"state": "overdue"}))
    at(AFTER, time_machine, client, admin_user)
    after = rows(client.get(EXPORT, {"state": "overdue"}))

    assert len(before) == 1  # the header alone
    assert [row[0] for row in after[1:]] == ["ned", "nora"]


def test_the_export_is_audited(client, mix, admin_user):
    verified_login(client, admin_user)

    rows(client.get(EXPORT, {"state": "enabled"}))
    rows(client.get(EXPORT, {"state": "nonsense"}))

    exports = AuditEvent.objects.filter(action=AuditEvent.Action.COWORKERS_EXPORTED)
    assert [(e.actor, e.enterprise, e.detail) for e in exports.order_by("id")] == [
        (admin_user, mix, "state=enabled"),
        (admin_user, mix, "state=all"),
    ]


def test_a_coworker_who_is_not_an_administrator_cannot_export(client, mix):
    emma = get_user_model().objects.get(username="emma")
    verified_login(client, emma)

    response = client.get(EXPORT)

    assert response.status_code == 403
    assert not response.streaming
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COWORKERS_EXPORTED).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, actor=emma).exists()
    assert client.get(TAB).status_code == 403


def test_the_export_costs_the_same_queries_for_10_and_200_coworkers(client, mix, admin_user):
    """One query for the rows, whatever their number: no query per row."""
    verified_login(client, admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows(client.get(EXPORT))
        return len(captured)

    small = queries()
    for i in range(200):
        person(f"zed{i:03d}", mix, "enabled" if i % 2 else None)
    large = queries()

    assert large == small
    assert len(rows(client.get(EXPORT))) == 1 + 6 + 200
