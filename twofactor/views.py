"""The login step and the code pop-up. Views are thin: form, one flow call, response."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twofactor import flows, services
from twofactor.flows import CHANGE, LOGIN
from twofactor.forms import CodeForm

START_URL = {LOGIN: "login", CHANGE: "home"}
VERIFY_URL = {LOGIN: "login_verify", CHANGE: "twofactor:verify"}
RESEND_URL = {LOGIN: "login_resend", CHANGE: "twofactor:resend"}


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def code_step_redirect(request, page_url: str, kind: str):
    """After a form that needs a code: the page again with its pop-up when
    the browser runs our JS (it posts js=1), else the plain code page."""
    if request.POST.get("js") == "1":
        return redirect(f"{page_url}?step=code")
    return redirect(VERIFY_URL[kind])


def prompt_context(request, kind: str) -> dict | None:
    """The pop-up for the page that asked for it, if its flow is alive."""
    if request.GET.get("step") != "code":
        return None
    flow = flows.flow_get(request, kind)
    if flow is None:
        return None
    return {
        **flows.flow_prompt(flow),
        "verify_url": reverse(VERIFY_URL[kind]),
        "resend_url": reverse(RESEND_URL[kind]),
        "form": CodeForm(),
    }


def with_retry_after(response, retry_at):
    """A 429 says when to try again in the Retry-After header too."""
    if response.status_code == 429 and retry_at is not None:
        seconds = math.ceil((retry_at - timezone.now()).total_seconds())
        response["Retry-After"] = str(max(1, seconds))
    return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would try anything without a
    # slash as a URL name (a 500 for ?next=foo).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    status, error = 200, ""
    retry_at = None
    if request.method == "POST":
        retry_at = flows.login_throttled(request, username=request.POST.get("username", ""))
    if retry_at is not None:
        status = 429
        error = (
            "Too many wrong passwords for this username. "
            f"Try again after {timezone.localtime(retry_at):%H:%M} UTC."
        )
        form = AuthenticationForm(request)
    elif request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not services.login_requires_code(user):
            flows.login_complete_without_code(request, user, backend=user.backend)
            return redirect(_safe_next(request))
        try:
            flows.login_begin(request, user, backend=user.backend, next_url=_safe_next(request))
        except services.CodeError as exc:
            status, error, retry_at = exc.status, exc.message, exc.retry_at
        else:
            return code_step_redirect(request, reverse("login"), LOGIN)
    elif request.method == "POST":
        status = 400
        flows.login_failed(request, username=request.POST.get("username", ""))
    context = {
        "form": form,
        "error": error,
        "next": request.GET.get("next", ""),
        "prompt": prompt_context(request, LOGIN),
    }
    response = render(request, "twofactor/login.html", context, status=status)
    return with_retry_after(response, retry_at)


def _verify(request, kind: str):
    flow = flows.flow_get(request, kind)
    if flow is None:
        message = (
            "Your login has expired. Please log in again."
            if kind == LOGIN
            else "There is no change waiting for a code. Please make it again."
        )
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "message": message, "redirect": reverse(START_URL[kind])},
                status=400,
            )
        messages.error(request, message)
        return redirect(START_URL[kind])
    form = CodeForm(request.POST if request.method == "POST" else None)
    status, error, retry_at = 200, "", None
    if request.method == "POST":
        if form.is_valid():
            try:
                url, message = flows.flow_verify(request, kind, form.cleaned_data["code"])
            except services.CodeError as exc:
                status, error, retry_at = exc.status, exc.message, exc.retry_at
            else:
                if message:
                    messages.success(request, message)
                if wants_json(request):
                    return JsonResponse({"ok": True, "redirect": url})
                return redirect(url)
        else:
            status, error = 400, form.errors["code"][0]
        if wants_json(request):
            response = JsonResponse({"ok": False, "message": error}, status=status)
            return with_retry_after(response, retry_at)
    context = {
        "prompt": {
            **flows.flow_prompt(flow),
            "verify_url": reverse(VERIFY_URL[kind]),
            "resend_url": reverse(RESEND_URL[kind]),
            "form": form,
            "error": error,
            "cancel_url": reverse("login") if kind == LOGIN else flow["return_url"],
        },
    }
    template = "twofactor/verify_login.html" if kind == LOGIN else "twofactor/verify_change.html"
    return with_retry_after(render(request, template, context, status=status), retry_at)


def _resend(request, kind: str):
    try:
        flows.flow_resend(request, kind)
    except services.CodeError as exc:
        if wants_json(request):
            response = JsonResponse({"ok": False, "message": exc.message}, status=exc.status)
            return with_retry_after(response, exc.retry_at)
        if isinstance(exc, flows.FlowExpired):
            messages.error(request, exc.message)
            return redirect(START_URL[kind])
        if exc.status == 429:
            # The plain page shows the message itself (a flash message too
            # would say it twice); 429 is for scripts that ask.
            response = render(
                request,
                "twofactor/rate_limited.html",
                {"message": exc.message, "back_url": reverse(VERIFY_URL[kind])},
                status=429,
            )
            return with_retry_after(response, exc.retry_at)
        messages.error(request, exc.message)
        return redirect(VERIFY_URL[kind])
    message = "A new code is on its way. The previous code no longer works."
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    return redirect(VERIFY_URL[kind])


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request):
    return _verify(request, LOGIN)


@never_cache
@require_POST
def login_resend(request):
    return _resend(request, LOGIN)


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def change_verify(request):
    return _verify(request, CHANGE)


@never_cache
@login_required
@require_POST
def change_resend(request):
    return _resend(request, CHANGE)


@never_cache
@require_GET
def delivery_status(request, kind: str):
    """What the pop-up polls to show the latest delivery status."""
    if kind not in (LOGIN, CHANGE) or (kind == CHANGE and not request.user.is_authenticated):
        return JsonResponse({"ok": False}, status=404)
    flow = flows.flow_get(request, kind)
    if flow is None:
        return JsonResponse({"ok": False}, status=404)
    prompt = flows.flow_prompt(flow)
    return JsonResponse({"ok": True, "delivery": prompt["delivery"], "failure": prompt["failure"]})


@require_GET
def dev_outbox(request):
    from django.conf import settings

    from twofactor import dev_outbox as outbox

    if not settings.DEBUG:
        return HttpResponse(status=404)
    return render(request, "twofactor/dev_outbox.html", {"entries": outbox.messages()})
