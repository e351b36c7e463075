"""docs/BEHAVIOUR.md: a login waiting for its code expires after 10 minutes; then the
person starts again."""

from datetime import timedelta

from django.urls import reverse

from tests.code_step import is_logged_in, page_text
from tests.fixtures import last_code, password_step
from twofactor.flows import FLOW_KEY

EXPIRED = "Your login has expired. Please log in again."


def test_the_code_page_is_there_for_ten_minutes(waiting, time_machine):
    time_machine.shift(timedelta(minutes=9, seconds=59))

    response = waiting.get(reverse("login_verify"))

    assert response.status_code == 200
    assert "Two-Factor Authentication" in page_text(response)


def test_after_ten_minutes_the_person_starts_again(waiting, time_machine):
    time_machine.shift(timedelta(minutes=10))

    response = waiting.get(reverse("login_verify"), follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert EXPIRED in page_text(response)
    assert FLOW_KEY not in waiting.session


def test_even_a_fresh_code_does_not_extend_the_login(waiting, outbox, time_machine):
    time_machine.shift(timedelta(minutes=9, seconds=30))
    waiting.post(reverse("login_resend"))
    fresh = last_code(outbox)  # valid until 12:19:30
    time_machine.shift(timedelta(seconds=30))

    response = waiting.post(reverse("login_verify"), {"code": fresh}, follow=True)

    assert EXPIRED in page_text(response)
    assert not is_logged_in(waiting)


def test_resend_after_expiry_sends_nothing(waiting, outbox, time_machine):
    time_machine.shift(timedelta(minutes=10))

    response = waiting.post(reverse("login_resend"), follow=True)
    json = waiting.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert EXPIRED in page_text(response)
    assert json.status_code == 400 and json.json()["message"] == EXPIRED
    assert len(outbox) == 1


def test_starting_again_works(waiting, coworker, outbox, time_machine):
    time_machine.shift(timedelta(minutes=15))

    password_step(waiting, coworker)
    response = waiting.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302 and is_logged_in(waiting)
