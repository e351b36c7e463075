from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def coworkers_notify_send(enterprise_id: int, actor_id: int) -> None:
    from enterprise import notices

    notices.coworkers_notify_fan_out(enterprise_id=enterprise_id, actor_id=actor_id)


# One batch finishes well within the broker's redelivery timeout, so a slow
# SMTP server never makes Redis hand the same batch to a second worker.
@shared_task(ignore_result=True, acks_late=True)
def coworkers_notify_batch(enterprise_id: int, actor_id: int, user_ids: list[int]) -> None:
    from enterprise import notices

    notices.coworkers_notify_batch(
        enterprise_id=enterprise_id, actor_id=actor_id, user_ids=user_ids
    )


@shared_task(ignore_result=True, acks_late=True)
def rollout_reminders_send() -> int:
    """Beat's schedule (CELERY_BEAT_SCHEDULE): the roll-out reminders due today."""
    from enterprise import notices

    return notices.rollout_reminders_send()
