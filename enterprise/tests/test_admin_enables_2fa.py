"""Guide: "To enable 2FA for your account" (administrator)."""

from django.core import mail
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.fixtures import log_in


def test_it_enables_2fa_for_the_account_with_the_chosen_channel(client, admin_user, outbox):
    log_in(client, admin_user)
    page = client.get(reverse("home"))
    assert b"Enterprise Settings" in page.content  # left column link

    tab = client.get(reverse("enterprise:twofactor"))
    assert tab.status_code == 200
    assert b"Disabled" in tab.content

    response = client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})
    assert response.status_code == 302
    tab = client.get(response.url)
    html = tab.content.decode()
    assert "Two-factor authentication is enabled for the account, by SMS" in html
    assert "Enabled" in html
    assert "Tell your co-workers" in html
    assert 'href="/account/settings/">Click Here</a>' in html

    admin_user.enterprise.refresh_from_db()
    assert admin_user.enterprise.twofactor_enabled is True
    assert admin_user.enterprise.twofactor_channel == "sms"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT_2FA_ENABLED, actor=admin_user
    ).exists()
    assert outbox == []  # turning 2FA on asks nobody for a code


def test_it_emails_every_coworker_a_notice(client, admin_user, coworker, make_user, acme):
    make_user("dora", acme)
    log_in(client, admin_user)
    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "email"})

    response = client.post(reverse("enterprise:notify"), {"confirm": "send"}, follow=True)

    # Not the administrator who sends (enterprise/tests/test_notify_coworkers_preview.py).
    assert b"A notice is on its way to 2 co-workers" in response.content
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["carl@example.com", "dora@example.com"]
    assert "My Account > User Settings" in mail.outbox[0].body


def test_the_click_here_link_leads_to_the_admins_own_my_account_tab(client, admin_user):
    log_in(client, admin_user)
    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    assert b'name="phone"' in response.content
    assert b"+13035551212" in response.content
