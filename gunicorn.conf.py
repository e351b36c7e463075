"""gunicorn's settings for the web processes (Procfile: `gunicorn portal.wsgi
-c gunicorn.conf.py`). Options given on the command line win over these."""

import os
import shutil
import tempfile
from pathlib import Path

# As the Procfile's ${PORT:-8000} and ${WEB_CONCURRENCY:-3} did: empty counts as unset
# (WEB_WORKER_CLASS and WEB_THREADS too).
bind = [f"0.0.0.0:{os.environ.get('PORT') or 8000}"]
# One process per core, four threads each: a login's requests wait on
# PostgreSQL's commits and on Redis, and Argon2id runs outside the GIL, so a
# thread keeps the core busy meanwhile. Measured on 2 cores against 2, 3, 4
# and 6 sync workers and 3x4, 4x2 threads (docs/PERFORMANCE.md, "Capacity").
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = os.environ.get("WEB_WORKER_CLASS") or "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
accesslog = "-"

# /metrics sums what every worker counted: prometheus-client's multiprocess
# mode, each worker writing its numbers to files in one directory. It must be
# set before a worker imports prometheus_client, and be this server's alone
# (a fresh one unless PROMETHEUS_MULTIPROC_DIR names one); see
# docs/OPERATIONS.md, "Metrics".
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-web-metrics-")


def on_starting(server):
    """Numbers of an earlier run must not be added to this one's."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A worker's counts stay in the sum after it exits (restarted by
    max_requests, or killed by the timeout); prometheus-client is told."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
