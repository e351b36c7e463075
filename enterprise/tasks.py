from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def coworkers_notify_send(enterprise_id: int, actor_id: int) -> None:
    from enterprise import notices

    notices.coworkers_notify_send(enterprise_id=enterprise_id, actor_id=actor_id)
