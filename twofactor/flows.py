"""Session flows that wait for a code: a login, or a change that needs one.

A flow lives in the session (one at a time) and names its challenge. After
the password step the session holds no authenticated user, only this flow;
Django's login() runs when the code is accepted, which also cycles the
session key. A change flow stores the validated form data and the dotted
path of the service that applies it once the code is verified."""

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables
from django_otp import login as otp_login

from enterprise.audit import Action, audit_record, client_ip
from twofactor import services
from twofactor.models import Challenge, CodeDevice

FLOW_KEY = "twofactor_flow"
STEP_UP_KEY = "twofactor_step_up"
LOGIN, CHANGE = "login", "change"

# What a verified change flow may run; nothing else is ever imported by name.
CHANGE_ACTIONS = {
    "account.settings": "accounts.services.account_settings_apply",
    "enterprise.policy": "enterprise.services.policy_apply",
}


class FlowExpired(services.CodeError):
    pass


def _now_iso() -> str:
    return timezone.now().isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def flow_get(request, kind: str) -> dict | None:
    """The session's flow of `kind` if it is still alive, else None."""
    flow = request.session.get(FLOW_KEY)
    if not flow or flow.get("kind") != kind:
        return None
    if kind == CHANGE and flow.get("user_id") != request.user.pk:
        return None
    ttl = settings.TWOFACTOR_PENDING_LOGIN_TTL if kind == LOGIN else settings.TWOFACTOR_CODE_TTL
    if timezone.now() >= _parse(flow["started_at"]) + ttl:
        request.session.pop(FLOW_KEY, None)
        return None
    return flow


def flow_require(request, kind: str) -> dict:
    flow = flow_get(request, kind)
    if flow is None:
        if kind == LOGIN:
            raise FlowExpired("Your login has expired. Please log in again.")
        raise FlowExpired("This change has expired. Please make it again.")
    return flow


def flow_clear(request) -> None:
    request.session.pop(FLOW_KEY, None)


def _flow_user(flow: dict):
    user = (
        get_user_model()
        .objects.select_related("enterprise")
        .filter(pk=flow["user_id"], is_active=True)
        .first()
    )
    if user is None:
        raise FlowExpired("This login can no longer continue. Please start again.")
    return user


def _start(request, *, user, kind: str, channel: str, destination: str, extra: dict) -> dict:
    challenge = services.challenge_issue(
        user=user,
        purpose=Challenge.Purpose.LOGIN if kind == LOGIN else Challenge.Purpose.CHANGE,
        channel=channel,
        destination=destination,
        flow=uuid.uuid4(),
        ip=client_ip(request),
    )
    flow = {
        "kind": kind,
        "user_id": user.pk,
        "flow": str(challenge.flow),
        "challenge_id": challenge.pk,
        "channel": channel,
        "destination": destination,
        "started_at": _now_iso(),
        **extra,
    }
    request.session[FLOW_KEY] = flow
    return flow


# --- login -----------------------------------------------------------------------


def login_begin(request, user, *, backend: str, next_url: str) -> dict:
    """Password accepted and a code is required: send one, log nobody in yet."""
    channel, destination = services.code_destination(
        user=user, channel=user.enterprise.twofactor_channel
    )
    # A new key for the half-logged-in session: a fixated key gains nothing.
    request.session.cycle_key()
    return _start(
        request,
        user=user,
        kind=LOGIN,
        channel=channel,
        destination=destination,
        extra={
            "backend": backend,
            "next": next_url,
            "account_channel": user.enterprise.twofactor_channel,
        },
    )


def login_complete_without_code(request, user, *, backend: str) -> None:
    flow_clear(request)
    auth_login(request, user, backend=backend)
    audit_record(Action.LOGIN_SUCCEEDED, actor=user, target=user, ip=client_ip(request))


def _typed_username(value) -> str | None:
    """The username as typed, or None when no user can have it. A NUL byte
    is refused by PostgreSQL in any query (a 500), and no username holds one."""
    value = str(value)[:150]
    return None if "\x00" in value else value


def login_throttled(request, *, username: str) -> datetime | None:
    """When this username may try a password again from this IP, or None."""
    from enterprise.models import AuditEvent

    username = _typed_username(username)
    if username is None:
        return None
    since = timezone.now() - settings.LOGIN_FAILURE_WINDOW
    recent = list(
        AuditEvent.objects.filter(
            action=Action.LOGIN_FAILED,
            target__username=username,
            ip=client_ip(request),
            created_at__gt=since,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.LOGIN_MAX_FAILURES]
    )
    if len(recent) < settings.LOGIN_MAX_FAILURES:
        return None
    return recent[-1] + settings.LOGIN_FAILURE_WINDOW


def login_failed(request, *, username: str) -> None:
    """Audit a refused password for a known username, for its administrators.
    The person is told nothing more than for an unknown one."""
    username = _typed_username(username)
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        audit_record(
            Action.LOGIN_FAILED, target=user, ip=client_ip(request), detail="wrong password"
        )


# --- changes that need a code ------------------------------------------------------


def change_begin(
    request,
    *,
    action: str,
    payload: dict,
    channel: str,
    destination: str,
    return_url: str,
    account_channel: str,
) -> dict:
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"unknown change action {action!r}")
    return _start(
        request,
        user=request.user,
        kind=CHANGE,
        channel=channel,
        destination=destination,
        extra={
            "action": action,
            "payload": payload,
            "return_url": return_url,
            "account_channel": account_channel,
        },
    )


def step_up_fresh(request, *, destination: str | None = None) -> bool:
    """A code proven in this session within the step-up window. With a
    destination, the proof must have come from that destination."""
    proof = request.session.get(STEP_UP_KEY)
    if not proof or proof.get("user_id") != request.user.pk:
        return False
    if timezone.now() >= _parse(proof["at"]) + settings.TWOFACTOR_STEP_UP_TTL:
        return False
    return destination is None or destination == proof.get("destination")


# --- verify and resend ----------------------------------------------------------


@sensitive_variables("code")  # an error report must not show the code
def flow_verify(request, kind: str, code: str) -> tuple[str, str]:
    """Check the code; on success finish the flow. Returns (redirect, message)."""
    flow = flow_require(request, kind)
    user = _flow_user(flow)
    ip = client_ip(request)
    services.code_verify(challenge_id=flow["challenge_id"], user=user, code=code, ip=ip)
    flow_clear(request)
    if kind == LOGIN:
        # The person proved a code on the account's current channel: they are
        # Enabled again if a channel change had asked them to verify.
        CodeDevice.objects.filter(user=user, enrolled=True).update(confirmed=True)
        device = CodeDevice.objects.get(user=user)
        auth_login(request, user, backend=flow["backend"])
        otp_login(request, device)
        audit_record(Action.LOGIN_SUCCEEDED, actor=user, target=user, ip=ip, detail="with code")
        return flow["next"], ""
    request.session[STEP_UP_KEY] = {
        "user_id": user.pk,
        "at": _now_iso(),
        "destination": flow["destination"],
    }
    apply = import_string(CHANGE_ACTIONS[flow["action"]])
    message = apply(actor=user, ip=ip, verified=flow, **flow["payload"])
    device = CodeDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        otp_login(request, device)
    return flow["return_url"], message


def flow_resend(request, kind: str) -> dict:
    flow = flow_require(request, kind)
    user = _flow_user(flow)
    challenge = services.challenge_issue(
        user=user,
        purpose=Challenge.Purpose.LOGIN if kind == LOGIN else Challenge.Purpose.CHANGE,
        channel=flow["channel"],
        destination=flow["destination"],
        flow=uuid.UUID(flow["flow"]),
        ip=client_ip(request),
    )
    flow["challenge_id"] = challenge.pk
    request.session[FLOW_KEY] = flow
    return flow


def flow_prompt(flow: dict) -> dict:
    """What the pop-up says: channel, masked destination, delivery status."""
    challenge = Challenge.objects.filter(pk=flow["challenge_id"]).first()
    delivery = challenge.get_delivery_display() if challenge else ""
    failure = (
        challenge.delivery_detail
        if challenge and challenge.delivery in (Challenge.Delivery.FAILED, "undelivered")
        else ""
    )
    return {
        "kind": flow["kind"],
        "minutes": int(settings.TWOFACTOR_CODE_TTL.total_seconds() // 60),
        "channel": flow["channel"],
        "channel_label": services.CHANNEL_LABELS.get(flow["channel"], flow["channel"]),
        "destination": services.mask_destination(flow["destination"]),
        "delivery": delivery,
        "failure": failure,
        "fallback": flow.get("account_channel", flow["channel"]) != flow["channel"],
        "account_channel_label": services.CHANNEL_LABELS.get(flow.get("account_channel"), ""),
    }
