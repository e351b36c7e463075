"""The Two-Factor Authentication tab costs the same number of queries for 10
co-workers as for 1,000: the table is one paginated query with each
co-worker's 2FA state joined in, never a query per row."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on
from tests.fixtures import log_in
from twofactor.models import CodeDevice


def add_coworkers(enterprise, start: int, stop: int) -> None:
    """Co-workers in every state the table shows: off, Enabled, Verification
    required, and enrolled without a phone while the channel is SMS."""
    User = get_user_model()
    users = User.objects.bulk_create(
        User(
            username=f"user{i:04d}",
            enterprise=enterprise,
            email=f"user{i:04d}@example.com",
            phone="" if i % 5 == 0 else f"+1303555{i:04d}",
            first_name=f"First{i}",
            password="!",  # unusable: these people never log in here
        )
        for i in range(start, stop)
    )
    CodeDevice.objects.bulk_create(
        CodeDevice(user=user, name="Customer Portal code", enrolled=True, confirmed=n % 3 != 0)
        for n, user in enumerate(users)
        if n % 4 != 0
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(enterprise=enterprise, actor=user, target=user, action="code_sent")
        for user in users
    )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def ada(client, admin_user, acme, outbox):
    """The administrator, logged in with a code (so every request also
    loads her verified device, as in real use)."""
    twofactor_on(acme, admin_user, channel="sms")
    log_in(client, admin_user, outbox)
    return client


PAGES = [
    reverse("enterprise:twofactor"),
    reverse("enterprise:twofactor") + "?page=2",
    reverse("enterprise:audit"),
    reverse("enterprise:audit") + "?page=2",
]


def test_the_tab_costs_the_same_for_10_and_1000_coworkers(ada, acme):
    add_coworkers(acme, 0, 10)
    small = {url: queries_for(ada, url) for url in PAGES}

    add_coworkers(acme, 10, 1000)
    large = {url: queries_for(ada, url) for url in PAGES}

    assert large == small
    assert small[reverse("enterprise:twofactor")] <= 8  # 6 today: session, user, device, …


def test_the_table_shows_every_state_on_a_page_of_1000(ada, acme):
    add_coworkers(acme, 0, 1000)

    text = page_text(ada.get(reverse("enterprise:twofactor")))

    assert "Enabled" in text and "Verification required" in text and "Disabled" in text
    assert "No phone number: codes go by email" in text
    assert "user0023" in text and "user0024" not in text  # ada and 24 more: 25 a page
