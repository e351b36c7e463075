"""The "Email every co-worker" notice reaches each co-worker once, in batches
small enough that the broker never redelivers one to a second worker."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from enterprise import notices
from tests.fixtures import log_in


def test_it_emails_250_coworkers_once_each_over_three_connections(
    client, admin_user, acme, monkeypatch
):
    User = get_user_model()
    User.objects.bulk_create(
        User(username=f"u{i:03d}", email=f"u{i:03d}@example.com", enterprise=acme)
        for i in range(249)
    )
    connections = []
    real = notices.get_connection

    def counting_connection(*args, **kwargs):
        connections.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(notices, "get_connection", counting_connection)
    acme.twofactor_enabled = True
    acme.save()
    log_in(client, admin_user)

    response = client.post(reverse("enterprise:notify"), {"confirm": "send"}, follow=True)

    # Everyone but the administrator who sends.
    assert b"A notice is on its way to 249 co-workers" in response.content
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 249
    assert len(connections) == 3  # 100 + 100 + 49
