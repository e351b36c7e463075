"""The worker's send is idempotent: the broker may hand a task over twice (a
worker killed before it acknowledged, a retry racing a redelivery), and a
task may run late. Nobody gets a second code for one request, a code that
is no longer the one to type, or a code after it expired."""

from datetime import timedelta

from django.urls import reverse

from tests.code_step import T0, is_logged_in, twofactor_on
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge
from twofactor.tasks import challenge_deliver

EXPIRED = "The code expired before it could be sent. Click Resend."


def test_a_task_handed_over_twice_sends_one_code_and_it_still_works(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    challenge = Challenge.objects.get(user=coworker)

    challenge_deliver.apply(args=[challenge.pk])

    assert len(outbox) == 1
    challenge.refresh_from_db()
    assert challenge.delivery == Challenge.Delivery.SENT
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(client)


def test_a_task_that_runs_after_the_code_expired_sends_nothing_and_says_so(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    # As if the worker had been down: the task is still waiting.
    Challenge.objects.filter(user=coworker).update(delivery=Challenge.Delivery.QUEUED)
    challenge = Challenge.objects.get(user=coworker)
    time_machine.move_to(challenge.expires_at + timedelta(seconds=1), tick=False)

    challenge_deliver.apply(args=[challenge.pk])

    assert len(outbox) == 1  # only the first, from the password step
    challenge.refresh_from_db()
    assert challenge.delivery == Challenge.Delivery.FAILED
    assert challenge.delivery_detail == EXPIRED


def test_a_late_task_for_a_replaced_code_sends_nothing(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    first = Challenge.objects.get(user=coworker)
    time_machine.shift(timedelta(seconds=31))
    client.post(reverse("login_resend"))
    assert len(outbox) == 2
    Challenge.objects.filter(pk=first.pk).update(delivery=Challenge.Delivery.QUEUED)

    challenge_deliver.apply(args=[first.pk])

    assert len(outbox) == 2
    first.refresh_from_db()
    assert first.status == Challenge.Status.SUPERSEDED
    assert first.delivery == Challenge.Delivery.QUEUED
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(client)
