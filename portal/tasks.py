from celery import shared_task


@shared_task(ignore_result=True)
def beat_tick() -> None:
    """Queued by beat (CELERY_BEAT_SCHEDULE): /health/ready reads when it ran."""
    from portal.health import beat_tick as tick

    tick()


@shared_task(ignore_result=True)
def retention_run() -> dict[str, int]:
    """Queued by beat (CELERY_BEAT_SCHEDULE): delete what has aged out."""
    import logging

    from portal.retention import retention_run as run

    deleted = run()
    logging.getLogger(__name__).info("retention: %s", deleted)
    return deleted
