from celery import shared_task


@shared_task(ignore_result=True)
def beat_tick() -> None:
    """Queued by beat (CELERY_BEAT_SCHEDULE): /health/ready reads when it ran."""
    from portal.health import beat_tick as tick

    tick()
