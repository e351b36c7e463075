"""Health (docs/OPERATIONS.md): is this process alive, and is the service
ready: its database, Redis, a worker that beat in the last minute, and
beat's schedule ticking. JSON, 200 or 503, never a secret (no URL, no host
name, no error text beyond its type).

Workers write a heartbeat to Redis every HEALTH_HEARTBEAT_EVERY seconds
(started by portal.celery when a worker is ready); beat's schedule queues
`portal.tasks.beat_tick`, whose run notes the time. Without a broker (tasks
in-process, `make run`) there is no worker or beat to ask about."""

import contextlib
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WORKER_KEY = "portal:health:worker:"
BEAT_KEY = "portal:health:beat"


def _redis():
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2
    )


def _timed(check) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a check that cannot run is a failed check
        return {"ok": False, "error": type(exc).__name__}
    result.setdefault("ok", True)
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _age(client, key: str) -> float | None:
    value = client.get(key)
    return None if value is None else max(0.0, time.time() - float(value))


def readiness() -> tuple[bool, dict[str, Any]]:
    """(ready, what each check found)."""
    checks: dict[str, Any] = {"database": _timed(_database)}
    if not settings.CELERY_BROKER_URL:
        quiet = {"ok": True, "detail": "not used: tasks run in-process"}
        checks.update(redis=quiet, worker=quiet, beat=quiet)
    else:
        client = _redis()
        checks["redis"] = _timed(lambda: {"ok": bool(client.ping())})

        def worker() -> dict[str, Any]:
            ages = [_age(client, key) for key in client.scan_iter(f"{WORKER_KEY}*")]
            youngest = min((a for a in ages if a is not None), default=None)
            fresh = youngest is not None and youngest < settings.HEALTH_WORKER_MAX_AGE
            return {"ok": fresh, "heartbeat_age_s": None if youngest is None else round(youngest)}

        def beat() -> dict[str, Any]:
            age = _age(client, BEAT_KEY)
            fresh = age is not None and age < settings.HEALTH_BEAT_MAX_AGE
            return {"ok": fresh, "last_tick_age_s": None if age is None else round(age)}

        checks["worker"] = _timed(worker) if checks["redis"]["ok"] else {"ok": False}
        checks["beat"] = _timed(beat) if checks["redis"]["ok"] else {"ok": False}
    return all(check["ok"] for check in checks.values()), checks


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    ok, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


# --- the worker's heartbeat and beat's tick --------------------------------------------


def heartbeat_start(hostname: str) -> None:
    """In a worker: note it is alive every HEALTH_HEARTBEAT_EVERY seconds
    (a daemon thread: it dies with the worker, and the note ages)."""
    key = f"{WORKER_KEY}{hostname}"
    every = settings.HEALTH_HEARTBEAT_EVERY

    def beat() -> None:
        from portal.metrics import WORKER_HEARTBEATS

        client = _redis()
        while True:
            # Redis away: the note ages, and /health/ready says so.
            with contextlib.suppress(Exception):
                client.set(key, time.time(), ex=max(300, every * 10))
                WORKER_HEARTBEATS.inc()
            time.sleep(every)

    threading.Thread(target=beat, name="health-heartbeat", daemon=True).start()


def beat_tick() -> None:
    _redis().set(BEAT_KEY, time.time(), ex=3600)
