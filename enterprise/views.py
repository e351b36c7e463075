from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprise import selectors, services
from enterprise.audit import Action, audit_record, client_ip
from enterprise.forms import TwoFactorPolicyForm
from enterprise.models import PHONE_CHANNELS
from twofactor import flows
from twofactor.services import CHANNEL_LABELS, CodeError
from twofactor.views import code_step_redirect, prompt_context, with_retry_after


def administrator_required(view):
    """Enterprise Settings are for the enterprise's administrators only: 403
    for everyone else, and the refusal is audited."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_enterprise_admin:
            audit_record(
                Action.ACCESS_DENIED,
                actor=request.user,
                ip=client_ip(request),
                detail=f"not an administrator: {request.path}"[:300],
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
            enabled, channel = form.cleaned_data["status"], form.cleaned_data["channel"]
            plan = services.policy_plan(
                admin=admin,
                enabled=enabled,
                channel=channel,
                step_up_fresh=partial(flows.step_up_fresh, request),
            )
            if not plan.changed:
                messages.info(request, "Nothing changed.")
                return redirect("enterprise:twofactor")
            if plan.unreachable_count and not form.cleaned_data["confirm_unreachable"]:
                # Show who cannot receive on the new channel; a second Save confirms.
                status = 200
            elif plan.needs_code:
                try:
                    flows.change_begin(
                        request,
                        action="enterprise.policy",
                        payload={"enabled": enabled, "channel": channel},
                        channel=plan.code_channel,
                        destination=plan.code_destination,
                        return_url=reverse("enterprise:twofactor"),
                        account_channel=enterprise.twofactor_channel,
                    )
                except CodeError as exc:
                    form.add_error(None, exc.message)
                    status, retry_at = exc.status, exc.retry_at
                else:
                    return code_step_redirect(
                        request, reverse("enterprise:twofactor"), flows.CHANGE
                    )
            else:
                message = services.policy_apply(
                    actor=admin, ip=client_ip(request), enabled=enabled, channel=channel
                )
                messages.success(request, message)
                return redirect("enterprise:twofactor")
    page = selectors.coworker_page(enterprise_id=enterprise.pk, page_number=request.GET.get("page"))
    context = {
        "enterprise": enterprise,
        "form": form,
        "plan": plan,
        "page": page,
        "tab": "twofactor",
        "phone_channel": enterprise.twofactor_channel in PHONE_CHANNELS,
        "channel_label": CHANNEL_LABELS[enterprise.twofactor_channel],
        "prompt": prompt_context(request, flows.CHANGE),
    }
    response = render(request, "enterprise/settings_twofactor.html", context, status=status)
    return with_retry_after(response, retry_at)


@administrator_required
@require_POST
def coworkers_notify(request):
    if not request.user.enterprise.twofactor_enabled:
        messages.error(request, "Turn on two-factor authentication for the account first.")
        return redirect("enterprise:twofactor")
    count = services.coworkers_notify(actor=request.user, ip=client_ip(request))
    messages.success(request, f"A notice is on its way to {count} co-workers.")
    return redirect("enterprise:twofactor")


@administrator_required
@require_GET
def coworker_detail(request, user_id: int):
    enterprise = request.user.enterprise
    coworker = selectors.coworker_get(enterprise_id=enterprise.pk, user_id=user_id)
    if coworker is None:
        raise Http404("No such co-worker.")
    events = selectors.audit_page(
        enterprise_id=enterprise.pk, page_number=request.GET.get("page"), target_id=coworker.pk
    )
    return render(
        request,
        "enterprise/coworker_detail.html",
        {"enterprise": enterprise, "coworker": coworker, "page": events, "tab": "twofactor"},
    )


@administrator_required
@require_GET
def audit_log(request):
    enterprise = request.user.enterprise
    page = selectors.audit_page(enterprise_id=enterprise.pk, page_number=request.GET.get("page"))
    return render(
        request,
        "enterprise/audit_log.html",
        {"enterprise": enterprise, "page": page, "tab": "audit"},
    )
