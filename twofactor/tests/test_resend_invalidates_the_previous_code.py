"""docs/BEHAVIOUR.md: a resend makes the previous code invalid."""

from datetime import timedelta

from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge


def test_it_refuses_the_previous_code_after_a_resend(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    first = last_code(outbox)
    time_machine.shift(timedelta(seconds=31))

    resend = client.post(reverse("login_resend"), follow=True)
    second = last_code(outbox)

    assert "A new code is on its way. The previous code no longer works." in page_text(resend)
    assert len(outbox) == 2 and outbox[-1]["to"] == "+13035551299"
    if first != second:  # one chance in a million they match
        refused = client.post(reverse("login_verify"), {"code": first})
        assert refused.status_code == 400
        assert not is_logged_in(client)
    statuses = list(Challenge.objects.order_by("created_at").values_list("status", flat=True))
    assert statuses == [Challenge.Status.SUPERSEDED, Challenge.Status.ACTIVE]

    accepted = client.post(reverse("login_verify"), {"code": second})
    assert accepted.status_code == 302 and is_logged_in(client)


def test_the_pop_up_resend_answers_in_json(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    time_machine.shift(timedelta(seconds=30))

    response = client.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert len(outbox) == 2


def test_a_superseded_code_stays_refused_in_a_change_flow(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})
    first = last_code(outbox)
    time_machine.shift(timedelta(seconds=31))
    client.post(reverse("twofactor:resend"))
    second = last_code(outbox)

    if first != second:
        refused = client.post(reverse("twofactor:verify"), {"code": first})
        assert refused.status_code == 400
        coworker.twofactor_device.refresh_from_db()
        assert coworker.twofactor_device.enrolled is True
    client.post(reverse("twofactor:verify"), {"code": second})
    coworker.twofactor_device.refresh_from_db()
    assert coworker.twofactor_device.enrolled is False
