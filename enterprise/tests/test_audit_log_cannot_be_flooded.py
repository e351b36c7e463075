"""docs/SECURITY.md (audit log): repeated identical denials by one person within
10 minutes are one row with a count.

Before the fix, a co-worker could fill the audit log with "Access denied"
rows, one per request."""

from datetime import timedelta

from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import T0, verified_login


def test_a_thousand_denials_are_one_row(client, coworker, time_machine):
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)

    for _ in range(1000):
        client.get(reverse("enterprise:settings"))

    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED)
    assert row.count == 1000 and row.actor == coworker


def test_after_ten_minutes_a_new_row_starts(client, coworker, time_machine):
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)
    client.get(reverse("enterprise:settings"))
    time_machine.shift(timedelta(minutes=10, seconds=1))

    client.get(reverse("enterprise:settings"))
    client.get(reverse("enterprise:audit"))

    rows = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).order_by("id")
    assert [r.count for r in rows] == [1, 1, 1]  # a new window; another page is another row


def test_varying_the_id_in_the_path_is_still_one_row(client, coworker, time_machine):
    """Found by a red-team review: the path was part of the row's identity."""
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)

    for n in range(200):
        assert client.get(reverse("enterprise:coworker", args=[n + 1])).status_code == 403

    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED)
    assert row.count == 200 and row.detail == "not an administrator: enterprise:coworker"


def test_one_ipv6_network_writes_one_row(coworker, time_machine):
    """Found by a second red-team review: each address of one /64 made a new
    "Limit reached" row in the victim's enterprise log."""
    from django.test import Client

    time_machine.move_to(T0, tick=False)
    for n in range(100):
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").post(
            reverse("login"), {"username": coworker.username, "password": f"guess-{n}"}
        )

    rows = AuditEvent.objects.filter(enterprise_id=coworker.enterprise_id)
    assert rows.count() == 2  # "Login failed" x10 and "Limit reached" x90
    assert sorted(r.count for r in rows) == [10, 90]
