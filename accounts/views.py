from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts import services
from accounts.forms import AccountSettingsForm
from enterprise.audit import client_ip
from twofactor import flows
from twofactor.selectors import twofactor_summary
from twofactor.services import CodeError
from twofactor.views import code_step_redirect, prompt_context, with_retry_after


@login_required
@require_GET
def home(request):
    return render(request, "accounts/home.html", {"summary": twofactor_summary(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    user = request.user
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, user=user)
    status, retry_at = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            payload = form.payload()
            code = services.account_settings_plan(
                user=user, step_up_fresh=partial(flows.step_up_fresh, request), **payload
            )
            if code is None:
                message = services.account_settings_apply(
                    actor=user, ip=client_ip(request), **payload
                )
                messages.success(request, message)
                return redirect("accounts:settings")
            try:
                flows.change_begin(
                    request,
                    action="account.settings",
                    payload=payload,
                    channel=code.channel,
                    destination=code.destination,
                    return_url=reverse("accounts:settings"),
                    account_channel=user.enterprise.twofactor_channel,
                )
            except CodeError as exc:
                form.add_error(None, exc.message)
                status, retry_at = exc.status, exc.retry_at
            else:
                return code_step_redirect(request, reverse("accounts:settings"), flows.CHANGE)
    context = {
        "form": form,
        "summary": twofactor_summary(user),
        "prompt": prompt_context(request, flows.CHANGE),
    }
    response = render(request, "accounts/settings.html", context, status=status)
    return with_retry_after(response, retry_at)


@login_required
@require_GET
def profile(request):
    """Where "Click Here" leads from My Account: the account information."""
    return render(request, "accounts/profile.html", {"summary": twofactor_summary(request.user)})
