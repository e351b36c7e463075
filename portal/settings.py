"""Settings read from the environment. Nothing set = the embedded default:
SQLite in the project, tasks run in-process, codes printed to the terminal."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext

# Django's generic classes (ModelAdmin[...], QuerySet[...]) subscriptable at
# run time, as the type checker sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Development mode only when asked for (`make run` sets DJANGO_DEBUG=1): a
# server started with nothing set is a production server.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "django-insecure-development-only-key-do-not-use-in-production"
)
if not DEBUG and SECRET_KEY.startswith("django-insecure"):
    raise RuntimeError("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [PORTAL_BASE_URL]

INSTALLED_APPS = [
    "twofactor.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "phonenumber_field",
    "django_countries",
    "csp",
    "accounts",
    "enterprise",
    "twofactor",
    "portal",
]

MIDDLEWARE = [
    "portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "enterprise.middleware.RolloutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "enterprise.middleware.rollout",
            ],
        },
    },
    {
        # Plain-text messages (emails, SMS, the words of a call): nothing is
        # HTML, so nothing is HTML-escaped ("O'Brien & Sons", not "O&#x27;Brien").
        "NAME": "plain",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker is another process writing the same file: IMMEDIATE takes the
    # write lock up front, so a read-then-write transaction waits its turn
    # instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # Tests start a real worker that must see the test database, so it is a
    # file, not memory; the pid keeps two test runs in one checkout apart.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# Argon2id first: a production-grade hasher; the others only verify old hashes.
# Its parameters, OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane),
# chosen by measurement (docs/SECURITY.md, "Password storage"; bench.hasher):
# 22 CPU ms a hash here, against 185 for Django's default (100 MiB, 2 passes,
# 8 lanes), which made a 2-core machine top out at 7 logins a second. Hashes
# of other parameters are rewritten with these at the person's next login.
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_ARGON2_MEMORY_KIB = 19 * 1024
PASSWORD_ARGON2_TIME_COST = 2
PASSWORD_ARGON2_PARALLELISM = 1
# ASVS 2.1.1 and 2.1.2: 12 to 128 characters; no composition rules (NIST SP
# 800-63B §5.1.1.2); not one of the 20,000 most common passwords (ASVS 2.1.7).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Languages (docs/BEHAVIOUR.md, "Reaching people"): a person's Language on My
# Account, else the browser's (Accept-Language), else English. Messages go in
# the language of the request that asked for them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in sentences: "15 December 2026" in English (portal/formats/en).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Twilio's <Say language=...> for each of them.
TWOFACTOR_VOICE_LANGUAGES = {"en": "en-US", "es": "es-US", "fr": "fr-FR"}

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Sessions (docs/SECURITY.md; change only with a reason) --------------------
# The database sessions of accounts.sessions: each row names its user, so a
# person's sessions can be listed and ended (My Account > Security).
SESSION_ENGINE = "accounts.sessions"
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
# "Last active" is written at most this often, not on every request.
SESSION_ACTIVITY_RESOLUTION = timedelta(seconds=60)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # __Host-: the browser sends them only over HTTPS, only to this host
    # (no Domain), for every path; a sibling subdomain cannot set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A scraper on the private network reaches a node's gunicorn directly,
    # over plain HTTP (the token or the network lets it in; nothing else).
    SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline script or style anywhere (static/portal.js, static/portal.css);
# no framing (X-Frame-Options DENY says the same to older browsers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Email -----------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = 10
elif DEBUG:
    # Printed to the terminal, and listed at /dev/outbox/.
    EMAIL_BACKEND = "twofactor.channels.outbox.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Customer Portal <no-reply@localhost>")

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No broker: run tasks in the web process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
# Results are never stored: a task's return value must not carry a code.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers keep their database connections between tasks like web processes
# do (CONN_MAX_AGE; see portal/celery.py), instead of Celery's default of a
# new connection per task.
CELERY_DB_REUSE_MAX = 1000
# A broker that is down must fail the request fast (503), not hang it:
# socket_timeout also covers a Redis that vanished without closing the socket.
# visibility_timeout: Redis hands a task whose worker died mid-send (never
# acknowledged) to another worker after this many seconds, while the code is
# still valid. It must exceed the longest a live worker holds a message: the
# retry countdown cap (TWOFACTOR_DELIVERY_RETRY_MAX_DELAY) plus a provider
# timeout; otherwise a waiting retry would run twice. Unacknowledged messages
# are scanned for every unacked_restore_interval seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": 60,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
# The worker logs through LOGGING below (JSON, request ids), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Two-factor delivery channels (shaped like Django's CACHES) ------------
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "https://api.twilio.com")

_twilio_options = {
    "ACCOUNT_SID": TWILIO_ACCOUNT_SID,
    "AUTH_TOKEN": TWILIO_AUTH_TOKEN,
    "FROM_NUMBER": TWILIO_FROM_NUMBER,
    "MESSAGING_SERVICE_SID": TWILIO_MESSAGING_SERVICE_SID,
    "API_BASE_URL": TWILIO_API_BASE_URL,
}
_console = {"BACKEND": "twofactor.channels.console.ConsoleChannel", "OPTIONS": {}}
TWOFACTOR_CHANNELS = {
    "email": (
        {"BACKEND": "twofactor.channels.email.EmailChannel", "OPTIONS": {}}
        if EMAIL_HOST
        else _console
    ),
    "sms": (
        {"BACKEND": "twofactor.channels.twilio.TwilioSMSChannel", "OPTIONS": _twilio_options}
        if TWILIO_ACCOUNT_SID
        else _console
    ),
    "voice": (
        {"BACKEND": "twofactor.channels.twilio.TwilioVoiceChannel", "OPTIONS": _twilio_options}
        if TWILIO_ACCOUNT_SID
        else _console
    ),
}

if DEBUG:
    # Development: every code is also listed at /dev/outbox/ (for loopback).
    TWOFACTOR_CHANNELS = {
        alias: {"BACKEND": "twofactor.channels.outbox.OutboxChannel", "OPTIONS": config}
        for alias, config in TWOFACTOR_CHANNELS.items()
    }

# --- Codes and limits (docs/BEHAVIOUR.md "Codes and limits"; change only with a reason) -
TWOFACTOR_CODE_DIGITS = 6
TWOFACTOR_CODE_TTL = timedelta(minutes=10)
TWOFACTOR_CODE_MAX_ATTEMPTS = 5
TWOFACTOR_LOCKOUT_FAILURES = 10
TWOFACTOR_LOCKOUT_DURATION = timedelta(minutes=15)
# NIST SP 800-63B §5.2.2: at most 100 consecutive failures, then the code
# step stays locked until an administrator unlocks it.
TWOFACTOR_LONG_LOCK_FAILURES = 100
TWOFACTOR_RESEND_COOLDOWN = timedelta(seconds=30)
# A locked-out person is told whom to ask: this many administrators by name,
# then "and N more".
TWOFACTOR_ADMINISTRATORS_NAMED = 3
TWOFACTOR_MAX_CODES_PER_USER = 10
TWOFACTOR_MAX_CODES_PER_DESTINATION = 10
# Codes that prove a destination not yet proven (turning 2FA on, a new phone
# number or email) are a pool of their own: whoever asks for them can never
# use up the codes of the destination's owner (docs/SECURITY.md, "Throttles").
TWOFACTOR_MAX_PROOFS_PER_DESTINATION = 10
TWOFACTOR_RATE_WINDOW = timedelta(hours=1)
TWOFACTOR_PENDING_LOGIN_TTL = timedelta(minutes=10)
TWOFACTOR_STEP_UP_TTL = timedelta(minutes=5)
# Retries of a transient provider error: exponential backoff from this base.
TWOFACTOR_DELIVERY_RETRY_BACKOFF = 2
TWOFACTOR_DELIVERY_MAX_RETRIES = 8
# No single wait between retries is longer than this (see visibility_timeout).
TWOFACTOR_DELIVERY_RETRY_MAX_DELAY = 30
TWOFACTOR_DEV_OUTBOX = BASE_DIR / "var" / "dev-outbox.jsonl"
TWOFACTOR_DEV_OUTBOX_KEEP = 50

# Not in the behaviour: refused passwords for one username from one IP. Argon2 makes a
# guess slow, this makes guessing a co-worker's password (whose login may not
# use 2FA) hopeless without letting a stranger lock them out from elsewhere.
LOGIN_MAX_FAILURES = 10
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
# Refused passwords from one IP across every username (a spray of one common
# password over many logins), in the same window.
LOGIN_MAX_FAILURES_PER_IP = 50
# One person from every address together (ASVS 2.2.1, NIST SP 800-63B §5.2.2:
# at most 100 failures an hour on one account). A stranger reaching it needs
# several addresses, each held to the limits above; docs/SECURITY.md says why
# this lock-out risk is accepted.
LOGIN_MAX_FAILURES_PER_ACCOUNT = 100
LOGIN_ACCOUNT_WINDOW = timedelta(hours=1)

# Identical denials by one person within this window are one audit row with
# a count, so nobody can flood the log (docs/SECURITY.md, "Audit log").
AUDIT_REPEAT_WINDOW = timedelta(minutes=10)

ENTERPRISE_COWORKERS_PER_PAGE = 25
# Not in the behaviour: "Email every co-worker" writes to a person at most
# once in this long, however often it is clicked (or scripted).
COWORKERS_NOTIFY_AGAIN_AFTER = timedelta(hours=24)

# --- Rolling out (docs/BEHAVIOUR.md, "Rolling out") ---------------------------
# Reminders to co-workers without 2FA, this many days before the deadline.
ROLLOUT_REMINDER_DAYS = (7, 1)
# How often beat looks for reminders due (a reminder still goes once).
ROLLOUT_REMINDER_EVERY = timedelta(seconds=env_int("ROLLOUT_REMINDER_EVERY_SECONDS", 3600))
# "Remember browsers for": 0 (never, the default) to this many days.
TWOFACTOR_REMEMBER_MAX_DAYS = 30
TWOFACTOR_TRUST_COOKIE = "__Host-trusted_browser" if not DEBUG else "trusted_browser"
# A browser remembers at most this many people (the oldest is forgotten).
TWOFACTOR_TRUST_PER_BROWSER = 5
# The authenticator app: django-otp's TOTP (6 digits, 30 s, one step of
# drift either way). Its own exponential throttle is off: the code step's
# locks (TWOFACTOR_LOCKOUT_*) count app failures like any other.
OTP_TOTP_ISSUER = "Customer Portal"
OTP_TOTP_THROTTLE_FACTOR = 0
TWOFACTOR_RECOVERY_CODES = 10
# PBKDF2 rounds per recovery code hash: checking one typed code against ten
# stored ones costs about 60 ms of CPU here (docs/DECISIONS.md).
TWOFACTOR_RECOVERY_HASH_ITERATIONS = 20_000
# Letters and digits without look-alikes (no 0/o, 1/i/l, 5/s, 2/z, 8/b):
# 25 symbols, 8 to a code, about 37 bits; entered in any case.
TWOFACTOR_RECOVERY_ALPHABET = "acdefghjkmnpqrtuvwxy34679"
# After "Generate recovery codes" and its step-up: how long the page may
# still show the new codes (they are drawn when it is shown, never stored).
TWOFACTOR_RECOVERY_SHOW_WITHIN = timedelta(minutes=5)

# Health (docs/OPERATIONS.md): a worker notes it is alive this often; ready
# wants a note younger than HEALTH_WORKER_MAX_AGE, and beat's tick younger
# than HEALTH_BEAT_MAX_AGE.
HEALTH_HEARTBEAT_EVERY = env_int("HEALTH_HEARTBEAT_EVERY_SECONDS", 10)
HEALTH_WORKER_MAX_AGE = 60
HEALTH_BEAT_TICK_EVERY = env_int("HEALTH_BEAT_TICK_EVERY_SECONDS", 30)
HEALTH_BEAT_MAX_AGE = 3 * HEALTH_BEAT_TICK_EVERY

# Metrics (docs/OPERATIONS.md, "Metrics"): /metrics answers a scraper that
# shows `Authorization: Bearer <METRICS_TOKEN>` or connects (REMOTE_ADDR) from
# one of METRICS_ALLOWED_NETWORKS (CIDRs, comma-separated; a typo stops the
# start); anyone else gets a 404. Neither set: nobody. Workers serve theirs
# on METRICS_WORKER_PORT, behind the same gate (0: they serve none).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(cidr.strip(), strict=False))
    for cidr in os.environ.get("METRICS_ALLOWED_NETWORKS", "").split(",")
    if cidr.strip()
]
METRICS_WORKER_PORT = env_int("METRICS_WORKER_PORT", 0)

# Retention (docs/OPERATIONS.md): audit rows are kept this many days; beat
# deletes what has aged out this often, this many rows per transaction.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 400)
RETENTION_EVERY = env_int("RETENTION_EVERY_SECONDS", 3600)
RETENTION_BATCH = 5000

CELERY_BEAT_SCHEDULE = {
    "rollout-reminders": {
        "task": "enterprise.tasks.rollout_reminders_send",
        "schedule": ROLLOUT_REMINDER_EVERY.total_seconds(),
    },
    "health-tick": {"task": "portal.tasks.beat_tick", "schedule": HEALTH_BEAT_TICK_EVERY},
    "retention": {"task": "portal.tasks.retention_run", "schedule": RETENTION_EVERY},
}
ENTERPRISE_AUDIT_PER_PAGE = 50

PHONENUMBER_DB_FORMAT = "E164"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
# LOG_FORMAT=json: one JSON object per line (docs/OPERATIONS.md, "Logs").
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.logs.RequestIdFilter"},
        "mask_phones": {"()": "portal.logs.MaskPhones"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # The Twilio SDK logs a dozen INFO lines (URL, headers, status) per
        # request: a fifth of the worker's CPU per code sent (docs/PERFORMANCE.md,
        # "Delivery"). Its warnings and errors still show; LOG_LEVEL=DEBUG
        # shows everything.
        "twilio.http_client": {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# --- Reaching people (docs/BEHAVIOUR.md, "Reaching people") --------------------
# "Allow other channels when a code does not arrive": the pop-up offers them
# when the provider reports the code undelivered, or this long after sending.
TWOFACTOR_FALLBACK_AFTER = timedelta(seconds=30)
# "Daily SMS and voice limit": codes by SMS or voice per enterprise per UTC day
# (the default of a new enterprise), and the most an administrator may set.
TWOFACTOR_DAILY_PHONE_LIMIT = 1000
TWOFACTOR_DAILY_PHONE_LIMIT_MAX = 100_000
# Administrators are emailed once a day when this share of it is used.
TWOFACTOR_DAILY_PHONE_WARN_PERCENT = 80
# The operator's ceiling across every enterprise (SMS pumping protection):
# past it, every code goes by email until midnight UTC.
TWOFACTOR_PORTAL_DAILY_PHONE_LIMIT = env_int("TWOFACTOR_PORTAL_DAILY_PHONE_LIMIT", 50_000)
