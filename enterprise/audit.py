"""Writes to the audit log. Callers pass who did what to whom, never a secret."""

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise

from enterprise.models import AuditEvent

Action = AuditEvent.Action

# Denials anyone can repeat at will: the same one by (or about) the same
# person within AUDIT_REPEAT_WINDOW adds to one row's count.
REPEATABLE = frozenset(
    {
        Action.ACCESS_DENIED,
        Action.LOGIN_FAILED,
        Action.LIMIT_REACHED,
        Action.PASSWORD_CHANGE_REFUSED,
        # Not a denial, but anyone can repeat it at will (Account Information).
        Action.NAME_CHANGED,
    }
)


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: trusting X-Forwarded-For would let anyone write any IP
    # into the log. Behind a proxy, configure the proxy to set REMOTE_ADDR.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    action: str,
    *,
    enterprise=None,
    actor=None,
    target=None,
    ip: str | None = None,
    detail: str | Promise = "",
) -> None:
    # The log is the operators': its words stay in the portal's own language
    # whatever language the person who acted reads.
    with translation.override(settings.LANGUAGE_CODE):
        detail = str(detail)
    if enterprise is None:
        subject = target or actor
        enterprise_id = getattr(subject, "enterprise_id", None)
    else:
        enterprise_id = enterprise.pk
    actor = actor if getattr(actor, "pk", None) else None
    row = {
        "enterprise_id": enterprise_id,
        "actor": actor,
        "target": target,
        "action": action,
        "ip": ip,
        "detail": detail[:300],
    }
    if action in REPEATABLE:
        # The address is not part of "identical": one host holds a whole
        # IPv6 network, and each of its addresses must not be a new row.
        # The row keeps the first address.
        now = timezone.now()
        same_key = {key: value for key, value in row.items() if key != "ip"}
        same = (
            AuditEvent.objects.filter(created_at__gt=now - settings.AUDIT_REPEAT_WINDOW, **same_key)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if same is not None:
            AuditEvent.objects.filter(pk=same).update(count=F("count") + 1, last_at=now)
            return
    AuditEvent.objects.create(**row)
