"""Writes to the audit log. Callers pass who did what to whom, never a secret."""

from django.http import HttpRequest

from enterprise.models import AuditEvent

Action = AuditEvent.Action


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
    detail: str = "",
) -> AuditEvent:
    if enterprise is None:
        subject = target or actor
        enterprise_id = getattr(subject, "enterprise_id", None)
    else:
        enterprise_id = enterprise.pk
    return AuditEvent.objects.create(
        enterprise_id=enterprise_id,
        actor=actor if getattr(actor, "pk", None) else None,
        target=target,
        action=action,
        ip=ip,
        detail=detail[:300],
    )
