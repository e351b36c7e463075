"""The real stack on this machine, started and stopped by a benchmark.

`Stack` prepares a PostgreSQL database of its own, empties a Redis database
number of its own, starts the Twilio stand-in (in this process, on a thread),
gunicorn with two workers and, unless eager, one Celery worker; and stops
every process it started, by its own process group id, when the `with`
block ends, on an exception or on Ctrl-C. Nothing listens beyond 127.0.0.1.

The driver (this process) also loads Django against the same database and
broker, to seed rows and to queue challenges the way the web process does."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", "redis://127.0.0.1:6379")
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+15005550006"
SECRET_KEY = "bench-secret-key-for-a-local-benchmark-only-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sigterm_to_interrupt(signum, frame):
    raise KeyboardInterrupt


@dataclass
class StackConfig:
    """What differs between runs. `database` and `redis_db` keep a benchmark's
    data apart from the tests' (quick mode uses its own pair too)."""

    database: str = "bench"
    redis_db: int = 9
    eager: bool = False
    # The served portal's settings; bench.today_settings is the portal before
    # the capacity work (Django's Argon2 parameters), for before/after runs.
    settings_module: str = "portal.settings"
    # gunicorn's workers, worker class and threads; None: production's, from
    # gunicorn.conf.py (and its WEB_* environment), as the Procfile runs it.
    web_workers: int | None = 2
    web_worker_class: str | None = "sync"
    web_threads: int | None = 1
    worker_pool: str = "threads"
    worker_concurrency: int = 32
    worker_loglevel: str = os.environ.get("BENCH_WORKER_LOGLEVEL", "INFO")
    extra_env: dict = field(default_factory=dict)


def config_for(*, quick: bool, **options) -> StackConfig:
    """A full run and a quick one (CI's) each have a database and a Redis
    database number of their own (the tests use Redis 12 and 13)."""
    if quick:
        return StackConfig(database="bench_quick", redis_db=10, **options)
    return StackConfig(database="bench", redis_db=9, **options)


class Stack:
    def __init__(self, config: StackConfig):
        self.config = config
        self.database_url = f"{PG_SERVER}/{config.database}"
        self.broker_url = f"{REDIS_SERVER}/{config.redis_db}"
        self.logs = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.procs: dict[str, subprocess.Popen] = {}
        self.web_port = free_port()
        self.twilio = None
        self.worker_name = f"bench-{os.getpid()}@127.0.0.1"
        self._old_sigterm = None

    # --- environment -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, *, eager: bool | None = None) -> dict:
        eager = self.config.eager if eager is None else eager
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "TWILIO_", "EMAIL_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=self.database_url,
            # The client sends X-Forwarded-Proto: https, as a TLS proxy would,
            # so secure cookies and CSRF's origin check run as in production.
            PORTAL_BASE_URL=f"https://127.0.0.1:{self.web_port}",
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=FROM_NUMBER,
            TWILIO_API_BASE_URL=self.twilio.base_url if self.twilio else "http://127.0.0.1:9",
            PYTHONUNBUFFERED="1",
        )
        if not eager:
            env["CELERY_BROKER_URL"] = self.broker_url
        env.update(self.config.extra_env)
        return env

    # --- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> "Stack":
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
        try:
            self._start_twilio()
            self._prepare_database()
            self._prepare_broker()
            self._setup_django()
            self.start_web()
            if not self.config.eager:
                self.start_worker()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.twilio is not None:
            self.twilio.stop()
            self.twilio = None
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
        shutil.rmtree(self.logs, ignore_errors=True)

    def _start_twilio(self) -> None:
        from bench.codes import RecordingTwilio

        self.twilio = RecordingTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).start()

    def _prepare_database(self) -> None:
        """The bench database, kept between runs (seeding it is slow) and
        migrated; made again from nothing when its migrations no longer fit
        the code's (a migration rewritten before it was released)."""
        import psycopg

        name = self.config.database
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        migrate = [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"]
        done = subprocess.run(
            migrate, cwd=ROOT, env=self.env(eager=True), capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"bench: the {name} database no longer fits the migrations; making it again")
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            subprocess.run(migrate, cwd=ROOT, env=self.env(eager=True), check=True)

    def _prepare_broker(self) -> None:
        import redis

        redis.Redis.from_url(self.broker_url).flushdb()

    def _setup_django(self) -> None:
        os.environ.update(self.env())
        if self.config.eager:
            os.environ.pop("CELERY_BROKER_URL", None)
        import warnings

        import django

        # WhiteNoise wants collectstatic's folder; the benchmarks need no static files.
        warnings.filterwarnings("ignore", message="No directory at")
        django.setup()
        from django.db import connection

        # Every benchmark starts from empty tables in its own database; the
        # rows migrate made (content types, permissions) stay.
        apps = ("accounts_", "enterprise_", "twofactor_", "otp_", "django_session")
        tables = [t for t in connection.introspection.table_names() if t.startswith(apps)]
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in tables))
            )

    def _spawn(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: stop() signals gunicorn's or Celery's
            # children with it, and Ctrl-C in this terminal doesn't reach them
            # before we stop them in order.
            start_new_session=True,
        )
        proc.log = log
        self.procs[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        # Workers of the group that outlived their parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.log.close()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start_web(self, *, eager: bool | None = None) -> None:
        # gunicorn reads ./gunicorn.conf.py (production's settings) first;
        # the options below win over it.
        shape = {
            "-w": self.config.web_workers,
            "--worker-class": self.config.web_worker_class,
            "--threads": self.config.web_threads,
        }
        argv = [
            str(BIN / "gunicorn"),
            "portal.wsgi",
            *(str(part) for option, value in shape.items() if value for part in (option, value)),
            "-b",
            f"127.0.0.1:{self.web_port}",
            "--graceful-timeout",
            "5",
            # As README's "Running in production" runs it (to a file here).
            "--access-logfile",
            "-",
        ]
        env = self.env(eager=eager)
        env["DJANGO_SETTINGS_MODULE"] = self.config.settings_module
        proc = self._spawn("web", argv, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail('web')}")
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(
                        f"{self.base_url}/login/", headers={"X-Forwarded-Proto": "https"}
                    ),
                    timeout=2,
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not answer:\n{self.log_tail('web')}")
        # Every worker has imported Django once the first answers; give the
        # others a moment so a cold start isn't measured.
        self._wait_children("web", self.config.web_workers)

    def web_shape(self) -> tuple[str, int, int]:
        """(worker class, workers, threads) gunicorn runs with: StackConfig's,
        or what gunicorn.conf.py resolves to for the fields left None
        (gunicorn --print-config, in the web's environment)."""
        shape = {
            "worker_class": self.config.web_worker_class,
            "workers": self.config.web_workers,
            "threads": self.config.web_threads,
        }
        if None in shape.values():
            env = self.env()
            env["DJANGO_SETTINGS_MODULE"] = self.config.settings_module
            # Its own directory, so the config doesn't make a temporary one
            # (--print-config loads the portal, which writes metrics there).
            metrics = self.logs / "metrics-print"
            metrics.mkdir(exist_ok=True)
            env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics))
            printed = subprocess.run(
                [str(BIN / "gunicorn"), "portal.wsgi", "--print-config"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            resolved = {}
            for line in printed.splitlines():
                name, _, value = line.partition("=")
                resolved[name.strip()] = value.strip()
            shape = {k: v if v is not None else resolved[k] for k, v in shape.items()}
        return str(shape["worker_class"]), int(shape["workers"]), int(shape["threads"])

    def restart_web(self, *, eager: bool | None = None, **config) -> None:
        """Start gunicorn again on a new port; `config` changes StackConfig's
        web fields first (settings_module, web_workers, web_worker_class,
        web_threads)."""
        self.stop("web")
        for name, value in config.items():
            if not hasattr(self.config, name):
                raise TypeError(f"no StackConfig field {name!r}")
            setattr(self.config, name, value)
        self.web_port = free_port()
        self.start_web(eager=eager)

    def start_worker(self) -> None:
        name = self.worker_name
        argv = [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "-n",
            name,
            "--pool",
            self.config.worker_pool,
            "--concurrency",
            str(self.config.worker_concurrency),
            # As README's "Running in production" runs it.
            "--loglevel",
            self.config.worker_loglevel,
        ]
        proc = self._spawn("worker", argv, self.env(eager=False))
        from portal.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log_tail('worker')}")
            if app.control.ping(destination=[name], timeout=0.5):
                return
        raise RuntimeError(f"celery worker did not answer:\n{self.log_tail('worker')}")

    def restart_worker(self, *, pool: str, concurrency: int) -> None:
        self.stop("worker")
        self.config.worker_pool, self.config.worker_concurrency = pool, concurrency
        self.start_worker()

    # --- processes to measure ------------------------------------------------------

    def _wait_children(self, name: str, count: int | None, timeout: float = 20) -> None:
        """Until `count` children run; with None (a number gunicorn.conf.py
        chose), until their number has not changed for a second."""
        deadline = time.monotonic() + timeout
        seen, steady_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = len(self.children(name))
            if count is not None and now >= count:
                return
            if now != seen:
                seen, steady_since = now, time.monotonic()
            elif count is None and now and time.monotonic() - steady_since >= 1:
                return
            time.sleep(0.1)

    def children(self, name: str) -> list[int]:
        """Process ids of the workers under gunicorn's master (or Celery's)."""
        proc = self.procs[name]
        path = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def web_pids(self) -> list[int]:
        return self.children("web")

    def worker_pids(self) -> list[int]:
        """The Celery worker: one process for the threads pool, its children for prefork."""
        return [self.procs["worker"].pid, *self.children("worker")]

    def db_backend_pids(self) -> list[int]:
        """PostgreSQL server processes serving this benchmark's database,
        except the driver's own connection."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.config.database],
            )
            return [row[0] for row in cursor.fetchall()]
