"""Celery application. With no CELERY_BROKER_URL, tasks run in-process (eager)."""

import os

from celery import Celery
from celery.signals import (
    beat_init,
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_ready,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """Around each task, what Django does around each request: keep the
    connection for CONN_MAX_AGE, drop one that is broken or too old. Celery's
    own fixup closes it before and after every task unless CELERY_DB_REUSE_MAX
    is set; a new PostgreSQL connection per code cost PostgreSQL more CPU than
    the rest of sending it (docs/PERFORMANCE.md, "Delivery")."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
def _heartbeat(sender=None, **kwargs) -> None:
    """/health/ready asks whether a worker beat in the last minute."""
    from portal.health import heartbeat_start

    heartbeat_start(getattr(sender, "hostname", "worker"))


@beat_init.connect
def _first_tick(sender=None, **kwargs) -> None:
    """A tick as beat starts, not one period later: ready says so at once."""
    app.send_task("portal.tasks.beat_tick")


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs) -> None:
    """A task queued by a request carries the request's id in its headers."""
    from portal.logs import REQUEST_ID

    if headers is not None and REQUEST_ID.get() != "-":
        headers.setdefault("request_id", REQUEST_ID.get())


@task_prerun.connect
def _take_request_id(task=None, **kwargs) -> None:
    """The task's log lines carry the id of the request that queued it."""
    from portal.logs import REQUEST_ID

    request_id = getattr(task.request, "request_id", None) if task is not None else None
    REQUEST_ID.set(request_id or "-")
