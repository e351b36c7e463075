"""docs/BEHAVIOUR.md: 5 wrong entries kill a code; the right code is then refused too."""

from datetime import timedelta

from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on
from tests.fixtures import last_code, password_step, wrong_code
from twofactor.models import Challenge


def test_it_counts_down_the_tries_left(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    wrong = wrong_code(last_code(outbox))

    seen = [page_text(client.post(reverse("login_verify"), {"code": wrong})) for _ in range(4)]

    assert "That code is not correct. 4 tries left for this code." in seen[0]
    assert "That code is not correct. 1 try left for this code." in seen[3]


def test_after_five_wrong_entries_the_right_code_is_refused(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    code = last_code(outbox)

    for _ in range(5):
        response = client.post(reverse("login_verify"), {"code": wrong_code(code)})
    assert response.status_code == 400
    assert "this code can no longer be used. Click Resend" in page_text(response)

    right = client.post(reverse("login_verify"), {"code": code})

    assert right.status_code == 400
    assert "This code was entered wrong too many times" in page_text(right)
    assert not is_logged_in(client)
    challenge = Challenge.objects.get()
    assert challenge.status == Challenge.Status.KILLED and challenge.failed_attempts == 5


def test_a_resent_code_works_after_one_was_killed(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    for _ in range(5):
        client.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    time_machine.shift(timedelta(seconds=30))

    client.post(reverse("login_resend"))
    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302 and is_logged_in(client)


def test_the_json_pop_up_says_the_same(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    code = last_code(outbox)
    for _ in range(5):
        client.post(reverse("login_verify"), {"code": wrong_code(code)})

    response = client.post(reverse("login_verify"), {"code": code}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert "entered wrong too many times" in response.json()["message"]
