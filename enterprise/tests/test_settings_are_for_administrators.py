"""Enterprise Settings are for administrators: a co-worker gets 403 on every
URL, GET and POST, nothing changes, and the refusal is audited."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise import urls as enterprise_urls
from enterprise.models import AuditEvent, Enterprise
from tests.code_step import T0, page_text
from tests.fixtures import log_in


def enterprise_paths(user_id: int) -> list[str]:
    """Every Enterprise Settings URL, from the URL conf, so new ones are covered."""
    return [
        "/enterprise/" + re.sub(r"<int:\w+>", str(user_id), str(p.pattern))
        for p in enterprise_urls.urlpatterns
    ]


@pytest.fixture
def signed_in_coworker(client, coworker, admin_user, outbox):
    log_in(client, coworker, outbox)
    return client


def test_there_is_no_enterprise_settings_link_for_a_coworker(signed_in_coworker):
    page = signed_in_coworker.get(reverse("home"))
    assert "Enterprise Settings" not in page_text(page)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coworker_gets_403_on_every_enterprise_settings_url(
    signed_in_coworker, coworker, admin_user, method
):
    paths = enterprise_paths(admin_user.pk)
    assert len(paths) >= 5
    for path in paths:
        response = getattr(signed_in_coworker, method)(path, {"status": "on", "channel": "sms"})
        assert response.status_code == 403, path
        assert "This page is for your enterprise's administrators." in page_text(response)
        assert admin_user.username not in page_text(response)

    acme = Enterprise.objects.get()
    assert (acme.twofactor_enabled, acme.twofactor_channel) == (False, "email")
    assert mail.outbox == []


def test_each_refusal_is_audited(signed_in_coworker, coworker, admin_user, time_machine):
    time_machine.move_to(T0, tick=False)
    paths = enterprise_paths(admin_user.pk)
    for path in paths:
        signed_in_coworker.post(path, REMOTE_ADDR="198.51.100.7")

    denied = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED)
    assert denied.count() == len(paths)
    for event in denied:
        assert event.actor == coworker
        assert event.enterprise_id == coworker.enterprise_id
        assert event.ip == "198.51.100.7"
        assert event.created_at == T0
    # Each page once, by its name (the same page with another id is the same row).
    pages = {f"enterprise:{p.name}" for p in enterprise_urls.urlpatterns}
    assert {e.detail.split(": ", 1)[1] for e in denied} == pages


def test_the_administrator_sees_the_refusals_in_the_audit_log(
    signed_in_coworker, admin_user, outbox
):
    signed_in_coworker.get(reverse("enterprise:twofactor"))
    admin = Client()
    log_in(admin, admin_user, outbox)

    log = page_text(admin.get(reverse("enterprise:audit")))

    assert "Access denied" in log and "carl" in log


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, admin_user):
    for path in enterprise_paths(admin_user.pk):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(f"{reverse('login')}?next="), path
