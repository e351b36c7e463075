"""The portal before and after the capacity work (issue 14), for benchmarks
that measure both in one run on one stack: which settings the served portal
reads (the password hasher's parameters) and how gunicorn runs. The driver
seeds each variant's co-workers with a hash of that variant's parameters, so
neither login rewrites a hash on the way (Django's must_update)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    name: str
    hasher: str
    settings_module: str
    # StackConfig's web fields (None: gunicorn.conf.py's, production's, value).
    web: dict = field(default_factory=dict)

    def password_hash(self) -> str:
        """bench.client.PASSWORD hashed as this variant's portal stores it."""
        from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

        from bench.client import PASSWORD

        if self.settings_module == "bench.today_settings":
            return make_password(PASSWORD, hasher=Argon2PasswordHasher())
        return make_password(PASSWORD)


# Before: Django's Argon2 parameters (100 MiB, 2 passes, 8 lanes) and the
# Procfile's gunicorn of then (3 sync workers: WEB_CONCURRENCY's default).
TODAY = Variant(
    "today",
    "Argon2id 100 MiB t=2 p=8",
    "bench.today_settings",
    {"web_workers": 3, "web_worker_class": "sync", "web_threads": 1},
)
# After: the portal's settings and gunicorn as production runs it
# (gunicorn.conf.py's workers, worker class and threads).
NEW = Variant(
    "new",
    "Argon2id 19 MiB t=2 p=1",
    "portal.settings",
    {"web_workers": None, "web_worker_class": None, "web_threads": None},
)
VARIANTS = (TODAY, NEW)


def gunicorn_label(shape: tuple[str, int, int]) -> str:
    kind, workers, threads = shape
    return f"{kind} {workers}" + (f"x{threads}" if threads > 1 else "")
