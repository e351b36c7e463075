from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprise import selectors, services
from enterprise.audit import Action, audit_record, client_ip
from enterprise.export import audit_csv, coworkers_csv
from enterprise.forms import AuditFilterForm, ResetForm, TwoFactorPolicyForm
from enterprise.insight import delivery_insight
from twofactor import budget
from twofactor.codes import CodeError
from twofactor.pages import page_with_code_step
from twofactor.selectors import twofactor_summary
from twofactor.stepup import require_code
from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS


def administrator_required(view):
    """Enterprise Settings are for the enterprise's administrators only: 403
    for everyone else, and the refusal is audited (repeats within minutes
    add to one row)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_enterprise_admin:
            # The page, not the path: /coworkers/1/, /2/, ... are one page,
            # so repeats fold into one row however the id varies.
            page = request.resolver_match.view_name if request.resolver_match else "?"
            audit_record(
                Action.ACCESS_DENIED,
                actor=request.user,
                ip=client_ip(request),
                detail=f"not an administrator: {page}",
            )
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@administrator_required
@require_GET
def settings_general(request):
    enterprise = request.user.enterprise
    admins = enterprise.users.filter(is_enterprise_admin=True).order_by("username")
    return render(
        request,
        "enterprise/settings_general.html",
        {"enterprise": enterprise, "admins": admins, "tab": "general"},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def settings_twofactor(request):
    admin = request.user
    enterprise = admin.enterprise
    form = TwoFactorPolicyForm(
        request.POST if request.method == "POST" else None, enterprise=enterprise
    )
    status, plan, retry_at = 200, None, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            payload = form.payload()
            plan = services.policy_plan(admin=admin, **payload)
            if not plan.changed:
                messages.info(request, _("Nothing changed."))
                return redirect("enterprise:twofactor")
            if plan.unreachable_count and not form.cleaned_data["confirm_unreachable"]:
                # Show who cannot receive on the new channel; a second Save confirms.
                status = 200
            else:
                outcome = require_code(
                    request,
                    action=services.POLICY,
                    payload=payload,
                    return_url=reverse("enterprise:twofactor"),
                )
                if not isinstance(outcome, CodeError):
                    return outcome
                form.add_error(None, outcome.message)
                status, retry_at = outcome.status, outcome.retry_at
    state = selectors.rollout_state(request.GET.get("state"))
    counts = selectors.rollout_counts(enterprise)
    page = selectors.coworker_page(
        enterprise_id=enterprise.pk,
        page_number=request.GET.get("page"),
        state=state,
        # The counts hold the filter's size: the pager makes no COUNT of its own.
        count=counts.get(state or "total"),
    )
    charts, rows, first, last = delivery_insight(enterprise.pk)
    context = {
        "insight_charts": charts,
        "insight_rows": rows,
        "insight_first": first,
        "insight_last": last,
        "counts": counts,
        "remember_max": settings.TWOFACTOR_REMEMBER_MAX_DAYS,
        "phone_today": budget.used_today(enterprise),
        "daily_limit_max": settings.TWOFACTOR_DAILY_PHONE_LIMIT_MAX,
        "warn_percent": settings.TWOFACTOR_DAILY_PHONE_WARN_PERCENT,
        "state": state,
        "enterprise": enterprise,
        "form": form,
        "plan": plan,
        "page": page,
        "tab": "twofactor",
        "phone_channel": enterprise.twofactor_channel in PHONE_CHANNELS,
        "channel_label": CHANNEL_LABELS[enterprise.twofactor_channel],
    }
    return page_with_code_step(
        request, "enterprise/settings_twofactor.html", context, status=status, retry_at=retry_at
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def coworkers_notify(request):
    """Email every co-worker: a GET (and a POST without the confirmation)
    previews the email and its recipients; the confirm button's POST sends."""
    if not request.user.enterprise.twofactor_enabled:
        messages.error(request, _("Turn on two-factor authentication for the account first."))
        return redirect("enterprise:twofactor")
    if request.method == "POST" and request.POST.get("confirm") == "send":
        count = services.coworkers_notify(actor=request.user, ip=client_ip(request))
        if count:
            messages.success(
                request,
                ngettext(
                    "A notice is on its way to %(count)s co-worker.",
                    "A notice is on its way to %(count)s co-workers.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(
                request,
                _(
                    "Nobody was emailed: every co-worker has turned it on already, or was "
                    "emailed in the last %(hours)s hours."
                )
                % {"hours": int(settings.COWORKERS_NOTIFY_AGAIN_AFTER.total_seconds() // 3600)},
            )
        return redirect("enterprise:twofactor")
    return render(
        request,
        "enterprise/notify.html",
        {
            "enterprise": request.user.enterprise,
            "preview": selectors.notify_preview(actor=request.user),
            "tab": "twofactor",
        },
    )


def _coworker(request, user_id: int):
    coworker = selectors.coworker_get(enterprise_id=request.user.enterprise_id, user_id=user_id)
    if coworker is None:
        raise Http404("No such co-worker.")
    return coworker


def _coworker_page(request, coworker, *, form=None, status=200, retry_at=None):
    enterprise = request.user.enterprise
    events = selectors.audit_page(
        enterprise_id=enterprise.pk, page_number=request.GET.get("page"), target_id=coworker.pk
    )
    context = {
        "enterprise": enterprise,
        "coworker": coworker,
        "summary": twofactor_summary(coworker),
        "reset_form": form or ResetForm(),
        "own_login": coworker.pk == request.user.pk,
        "page": events,
        "tab": "twofactor",
    }
    return page_with_code_step(
        request, "enterprise/coworker_detail.html", context, status=status, retry_at=retry_at
    )


@administrator_required
@require_GET
def coworker_detail(request, user_id: int):
    return _coworker_page(request, _coworker(request, user_id))


@administrator_required
@require_POST
def coworker_reset(request, user_id: int):
    """Reset two-factor authentication (a step-up first; a Reason)."""
    coworker = _coworker(request, user_id)
    form = ResetForm(request.POST)
    if not form.is_valid():
        return _coworker_page(request, coworker, form=form, status=400)
    outcome = require_code(
        request,
        action=services.RESET,
        payload={"coworker_id": coworker.pk, "reason": form.cleaned_data["reason"]},
        return_url=reverse("enterprise:coworker", args=[coworker.pk]),
    )
    if isinstance(outcome, CodeError):
        form.add_error(None, outcome.message)
        return _coworker_page(
            request, coworker, form=form, status=outcome.status, retry_at=outcome.retry_at
        )
    return outcome


@administrator_required
@require_POST
def coworker_unlock(request, user_id: int):
    coworker = _coworker(request, user_id)
    name = coworker.get_full_name() or coworker.username
    try:
        unlocked = services.coworker_unlock(
            admin=request.user, coworker=coworker, ip=client_ip(request)
        )
    except CodeError as exc:
        messages.error(request, exc.message)
        unlocked = None
    if unlocked:
        messages.success(
            request,
            _("%(name)s is unlocked. They were told by email and log in again.") % {"name": name},
        )
    elif unlocked is False:
        messages.info(request, _("%(name)s was not locked.") % {"name": name})
    if request.POST.get("back") == "table":
        # Unlock from the co-worker table: back to the table, not their page.
        return redirect("enterprise:twofactor")
    return redirect("enterprise:coworker", user_id=coworker.pk)


def _audit_filters(request) -> tuple[AuditFilterForm, dict, str]:
    form = AuditFilterForm(request.GET if request.GET.keys() - {"page"} else None)
    query = request.GET.copy()
    query.pop("page", None)
    return form, form.filters(), query.urlencode()


@administrator_required
@require_GET
def audit_log(request):
    enterprise = request.user.enterprise
    form, filters, query = _audit_filters(request)
    page = selectors.audit_page(
        enterprise_id=enterprise.pk, page_number=request.GET.get("page"), **filters
    )
    return render(
        request,
        "enterprise/audit_log.html",
        {
            "enterprise": enterprise,
            "form": form,
            "page": page,
            "page_query": f"{query}&" if query else "",
            "tab": "audit",
        },
    )


@administrator_required
@require_GET
def audit_export(request):
    enterprise = request.user.enterprise
    _form, filters, _query = _audit_filters(request)
    events = selectors.audit_events(enterprise_id=enterprise.pk, **filters)
    # Reading the whole log is itself worth a line in it (ASVS 8.3.5).
    shown = ", ".join(f"{name}={value}" for name, value in filters.items()) or "everything"
    audit_record(Action.AUDIT_EXPORTED, actor=request.user, ip=client_ip(request), detail=shown)
    response = StreamingHttpResponse(audit_csv(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


@administrator_required
@require_GET
def coworkers_export(request):
    """Export CSV of the co-worker table, as filtered (streamed)."""
    enterprise = request.user.enterprise
    state = selectors.rollout_state(request.GET.get("state"))
    rows = selectors.coworkers_for_export(enterprise=enterprise, state=state)
    audit_record(
        Action.COWORKERS_EXPORTED,
        actor=request.user,
        ip=client_ip(request),
        detail=f"state={state or 'all'}",
    )
    response = StreamingHttpResponse(
        coworkers_csv(rows, enterprise=enterprise), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="coworkers-{stamp}.csv"'
    return response
