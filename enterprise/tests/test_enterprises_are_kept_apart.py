"""An administrator of one enterprise can neither read nor change another
enterprise's settings or users."""

import pytest
from django.core import mail
from django.urls import reverse

from enterprise.models import AuditEvent, Enterprise
from tests.code_step import page_text, twofactor_on
from tests.fixtures import log_in
from twofactor.models import CodeDevice


@pytest.fixture
def globex(make_enterprise, make_user):
    """Enterprise B: 2FA on by SMS, an administrator and an enrolled co-worker."""
    enterprise = make_enterprise("Globex")
    gus = make_user("gus", enterprise, admin=True, phone="+13035550150")
    bea = make_user("bea", enterprise, phone="+13035550151")
    twofactor_on(enterprise, bea, channel="sms")
    AuditEvent.objects.create(
        enterprise=enterprise, actor=gus, target=bea, action="user_2fa_enabled", detail="globex"
    )
    return enterprise


@pytest.fixture
def ada(client, admin_user, coworker, globex, outbox):
    """Acme's administrator, logged in."""
    log_in(client, admin_user, outbox)
    return client


def test_another_enterprises_coworker_page_is_404(ada, globex):
    bea = globex.users.get(username="bea")

    response = ada.get(reverse("enterprise:coworker", args=[bea.pk]))

    assert response.status_code == 404
    assert "bea" not in page_text(response)


def test_the_coworker_table_lists_only_our_coworkers(ada):
    text = page_text(ada.get(reverse("enterprise:twofactor")))

    assert "carl" in text and "ada" in text
    assert "bea" not in text and "gus" not in text and "+13035550151" not in text


def test_the_audit_log_shows_only_our_events(ada):
    text = page_text(ada.get(reverse("enterprise:audit")))

    assert "bea" not in text and "gus" not in text and "globex" not in text


def test_the_general_tab_shows_only_our_administrators(ada):
    text = page_text(ada.get(reverse("enterprise:settings")))

    assert "Acme" in text and "Globex" not in text and "gus" not in text


def test_posting_another_enterprises_id_changes_only_ours(ada, acme, globex):
    response = ada.post(
        reverse("enterprise:twofactor"),
        {
            "status": "on",
            "channel": "voice",
            "enterprise": globex.pk,
            "enterprise_id": globex.pk,
            "id": globex.pk,
            "user_id": globex.users.get(username="bea").pk,
        },
    )

    assert response.status_code == 302
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.twofactor_enabled, acme.twofactor_channel) == (True, "voice")
    assert (globex.twofactor_enabled, globex.twofactor_channel) == (True, "sms")


def test_our_channel_change_leaves_their_coworkers_enabled(ada, acme, coworker, globex):
    twofactor_on(acme, coworker, channel="email")

    ada.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})

    assert CodeDevice.objects.get(user=coworker).confirmed is False
    assert CodeDevice.objects.get(user__username="bea").confirmed is True


def test_our_notice_reaches_only_our_coworkers(ada, acme):
    twofactor_on(acme)

    ada.post(reverse("enterprise:notify"), {"confirm": "send"})

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["carl@example.com"]  # not globex's; not ada, who sent it


def test_their_administrator_cannot_read_ours_either(client, globex, coworker, outbox):
    log_in(client, globex.users.get(username="gus"), outbox)

    response = client.get(reverse("enterprise:coworker", args=[coworker.pk]))

    assert response.status_code == 404
    assert Enterprise.objects.get(name="Acme").twofactor_enabled is False
