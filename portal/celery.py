"""Celery application. With no CELERY_BROKER_URL, tasks run in-process (eager)."""

import os
import time

from celery import Celery
from celery.signals import (
    beat_init,
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_process_shutdown,
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


@worker_ready.connect
def _metrics_serve(sender=None, **kwargs) -> None:
    """The worker's own metrics on METRICS_WORKER_PORT (docs/DECISIONS.md:
    scraped on every worker node, like the web nodes' /metrics)."""
    from django.conf import settings

    if settings.METRICS_WORKER_PORT:
        from portal.scrape import worker_serve

        worker_serve(settings.METRICS_WORKER_PORT)


# When each running task started, by task id (one thread runs one task).
_STARTED: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    if task_id is not None:
        _STARTED[task_id] = time.perf_counter()


@task_postrun.connect
def _task_timed(task_id=None, task=None, state=None, **kwargs) -> None:
    """The worker's task time: portal_worker_task_seconds."""
    started = _STARTED.pop(task_id, None) if task_id is not None else None
    if started is None or task is None:
        return
    from portal.metrics import task_observe

    task_observe(task=task.name, state=state or "", seconds=time.perf_counter() - started)


@worker_process_shutdown.connect
def _metrics_process_gone(pid=None, **kwargs) -> None:
    """A prefork child's numbers stay counted after it exits; its live
    values (none of ours are gauges) are let go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


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
