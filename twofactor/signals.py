"""What happened to codes and logins, announced for whoever counts it (the
operator's metrics connect to these in portal/metrics.py; twofactor never
names who listens).

Every argument is a word from one of the fixed sets below, or a duration:
never a code, a destination, a person or anything else a metric label must
not hold. The bottom of the stack: it imports nothing of the portal."""

from django.dispatch import Signal

# A code's life, by channel (`channel`, `event`). "requested": recorded and
# queued (the delivery insight's "sent"); "sent": accepted by the provider,
# with `seconds` since it was queued; then "delivered" or "failed" (by the
# provider, the queue, or retries running out); "fallback": the person asked
# for it by another channel instead.
CODE_EVENTS = ("requested", "sent", "delivered", "failed", "fallback")
code_event = Signal()

# A code typed into the pop-up (`outcome`). "used", "superseded" and
# "killed" are the Challenge statuses that refuse it; "ended": no code step
# is waiting for it any more.
VERIFY_OUTCOMES = ("ok", "wrong", "expired", "locked", "used", "superseded", "killed", "ended")
code_verified = Signal()

# The code step locked (`until`): for TWOFACTOR_LOCKOUT_DURATION, or until an
# administrator unlocks it.
LOCK_KINDS = ("duration", "administrator")
code_step_locked = Signal()

# A login's end (`result`, `factor`). "refused": a wrong password; "limited":
# too many of them; "no_code": no code could be sent (a lock, a limit, the
# queue down); "succeeded", by the factor that completed it, with `seconds`
# from the accepted password to the verified second factor (None when no
# second factor was asked).
LOGIN_RESULTS = ("succeeded", "refused", "limited", "no_code")
LOGIN_FACTORS = ("password", "remembered_browser", "code", "app", "passkey", "recovery", "none")
login_ended = Signal()
