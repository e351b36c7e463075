"""The operator's metrics (docs/OPERATIONS.md, "Metrics"): what they are, and
what moves them. twofactor announces what happens (twofactor/signals.py);
connect() turns each announcement into a counter or a histogram here, and
portal/celery.py times the worker's tasks. /metrics and the worker's port
serve them (portal/scrape.py).

Label values come only from fixed sets (a channel, an outcome, a task's
name): never a code, a phone number, an address or a person. Every pair is
made at start-up, at zero, so a rate or a ratio has both sides from the
first scrape."""

from typing import Any

from prometheus_client import Counter, Histogram

from twofactor import signals
from twofactor.vocabulary import Channel

CHANNELS = tuple(Channel.values)

CODES = {
    event: Counter(
        f"portal_codes_{event}",
        {
            "requested": "Codes recorded and queued for delivery.",
            "sent": "Codes accepted by the provider (an SMTP server, Twilio).",
            "delivered": "Codes the provider reported delivered.",
            "failed": "Codes that failed: refused, undelivered, retries spent, queue down.",
            "fallback": "Codes followed by one by another channel, asked for by the person.",
        }[event],
        ["channel"],
    )
    for event in signals.CODE_EVENTS
}
QUEUED_TO_ACCEPTED = Histogram(
    "portal_code_queued_to_accepted_seconds",
    "From a code queued to the provider accepting it.",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)
VERIFICATIONS = Counter(
    "portal_code_verifications",
    "Codes typed into the pop-up, by outcome.",
    ["outcome"],
)
LOCKOUTS = Counter(
    "portal_code_step_lockouts",
    "Code steps locked by wrong codes: for a while (duration) or until unlocked.",
    ["until"],
)
LOGINS = Counter(
    "portal_logins",
    "Logins that ended, by result and by the factor that completed them.",
    ["result", "factor"],
)
PASSWORD_TO_VERIFIED = Histogram(
    "portal_login_password_to_verified_seconds",
    "From the accepted password to the second factor verified.",
    buckets=(2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600),
)
TASK_SECONDS = Histogram(
    "portal_worker_task_seconds",
    "Time a worker spent running a task, by task and end state.",
    ["task", "state"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WORKER_HEARTBEATS = Counter(
    "portal_worker_heartbeats",
    "Heartbeats a worker wrote (every HEALTH_HEARTBEAT_EVERY seconds).",
)


def _code_event(*, channel: str, event: str, seconds: float | None = None, **_: Any) -> None:
    if channel not in CHANNELS or event not in CODES:
        return
    CODES[event].labels(channel=channel).inc()
    if seconds is not None:
        QUEUED_TO_ACCEPTED.labels(channel=channel).observe(max(0.0, seconds))


def _code_verified(*, outcome: str, **_: Any) -> None:
    if outcome in signals.VERIFY_OUTCOMES:
        VERIFICATIONS.labels(outcome=outcome).inc()


def _code_step_locked(*, until: str, **_: Any) -> None:
    if until in signals.LOCK_KINDS:
        LOCKOUTS.labels(until=until).inc()


def _login_ended(*, result: str, factor: str, seconds: float | None, **_: Any) -> None:
    if result not in signals.LOGIN_RESULTS or factor not in signals.LOGIN_FACTORS:
        return
    LOGINS.labels(result=result, factor=factor).inc()
    if seconds is not None:
        PASSWORD_TO_VERIFIED.observe(max(0.0, seconds))


def task_observe(*, task: str, state: str, seconds: float) -> None:
    """A worker finished running `task` (a registered name) in `state`."""
    TASK_SECONDS.labels(task=task, state=state or "UNKNOWN").observe(seconds)


def connect() -> None:
    """Count what twofactor announces (PortalConfig.ready)."""
    signals.code_event.connect(_code_event, dispatch_uid="portal.metrics.code_event")
    signals.code_verified.connect(_code_verified, dispatch_uid="portal.metrics.code_verified")
    signals.code_step_locked.connect(_code_step_locked, dispatch_uid="portal.metrics.locked")
    signals.login_ended.connect(_login_ended, dispatch_uid="portal.metrics.login_ended")
    for channel in CHANNELS:
        for counter in CODES.values():
            counter.labels(channel=channel)
        QUEUED_TO_ACCEPTED.labels(channel=channel)
    for outcome in signals.VERIFY_OUTCOMES:
        VERIFICATIONS.labels(outcome=outcome)
    for until in signals.LOCK_KINDS:
        LOCKOUTS.labels(until=until)
    for factor in signals.LOGIN_FACTORS[:-1]:
        LOGINS.labels(result="succeeded", factor=factor)
    for result in signals.LOGIN_RESULTS[1:]:
        LOGINS.labels(result=result, factor="none")
