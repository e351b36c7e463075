"""Not in the behaviour, decided in docs/DECISIONS.md: guessing a password is throttled."""

import time_machine
from django.urls import reverse
from django.utils import timezone

from enterprise.models import AuditEvent
from tests.fixtures import password_step


def test_it_refuses_the_eleventh_guess_even_with_the_right_password(client, coworker):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            assert password_step(client, coworker, password="wrong").status_code == 400

        blocked = password_step(client, coworker)

        assert blocked.status_code == 429
        assert b"Too many wrong passwords" in blocked.content
        assert blocked["Retry-After"] == str(15 * 60)
        assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="login_failed", target=coworker)
    assert sum(event.count for event in failed) == 10

    with time_machine.travel(start + timezone.timedelta(minutes=16), tick=False):
        assert password_step(client, coworker).url == reverse("home")


def test_a_stranger_elsewhere_cannot_lock_the_coworker_out(client, coworker):
    for _ in range(10):
        client.post(
            reverse("login"),
            {"username": coworker.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
        )
    failed = AuditEvent.objects.filter(action="login_failed", ip="203.0.113.9")
    assert sum(event.count for event in failed) == 10
    assert password_step(client, coworker).url == reverse("home")


def test_wrong_username_and_wrong_password_read_the_same(client, coworker):
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    wrong = password_step(client, coworker, password="x")
    message = b"Please enter a correct username and password"
    assert message in unknown.content and message in wrong.content
    assert unknown.status_code == wrong.status_code == 400
