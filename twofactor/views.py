"""The login step and the code pop-up. Views are thin: form, one flow call, response."""

import ipaddress
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import passive
from accounts.sessions import CODE_PROVEN, TRUSTED_BY
from enterprise.audit import Action, audit_record, client_ip
from twofactor import devices, signals, throttle, trust
from twofactor.codes import CodeError
from twofactor.flows import FLOWS, ChangeFlow, Flow, FlowExpired, LoginFlow, Verified, guidance
from twofactor.flows.base import STALE, StaleAnswer
from twofactor.forms import AppCodeForm, CodeForm, RecoveryForm
from twofactor.pages import code_step_redirect, prompt_context, wants_json, with_retry_after


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would try anything without a
    # slash as a URL name (a 500 for ?next=foo).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _password_step(
    request: HttpRequest, form: AuthenticationForm
) -> tuple[HttpResponse | None, int, str, datetime | None]:
    """(response, or None to show the form; status; error; retry_at)."""
    ip = client_ip(request)
    user, name = throttle.user_resolve(request.POST.get("username", ""))
    attempt = throttle.password_attempt(ip=ip, user=user, name=name)
    if attempt.retry_at is not None:
        if user is not None:
            audit_record(Action.LIMIT_REACHED, target=user, ip=ip, detail="password guesses")
        error = _("Too many wrong passwords for this username. Try again after %(time)s UTC.") % {
            "time": f"{timezone.localtime(attempt.retry_at):%H:%M}"
        }
        _login_ended("limited")
        return None, 429, error, attempt.retry_at
    if not form.is_valid():
        if user is not None:
            audit_record(Action.LOGIN_FAILED, target=user, ip=ip, detail="wrong password")
        _login_ended("refused")
        return None, 400, "", None
    attempt.succeeded()
    user = form.get_user()
    backend: str = getattr(user, "backend", "")  # set by authenticate()
    if not devices.login_requires_code(user):
        auth_login(request, user, backend=backend)
        audit_record(Action.LOGIN_SUCCEEDED, actor=user, target=user, ip=ip)
        _login_ended("succeeded", factor="password")
        return redirect(_safe_next(request)), 302, "", None
    trusted = trust.browser_trusted(request, user)
    if trusted is not None:
        # A browser this person asked to remember after a code: the
        # password alone, until its days pass (twofactor/trust.py). The
        # session lasts only as long as that trust does.
        auth_login(request, user, backend=backend)
        request.session[CODE_PROVEN] = True
        request.session[TRUSTED_BY] = trusted.pk
        audit_record(
            Action.LOGIN_SUCCEEDED, actor=user, target=user, ip=ip, detail="remembered browser"
        )
        _login_ended("succeeded", factor="remembered_browser")
        return redirect(_safe_next(request)), 302, "", None
    try:
        LoginFlow.begin(request, user, backend=backend, next_url=_safe_next(request))
    except CodeError as exc:
        _login_ended("no_code")
        return None, exc.status, _with_guidance(exc, user), exc.retry_at
    return code_step_redirect(request, reverse("login"), LoginFlow), 302, "", None


def _with_guidance(exc: CodeError, user: Any) -> str:
    """A login refused for a lock or the hourly limit (after the right
    password) also says until when and whom to ask."""
    if exc.status != 429:
        return exc.message
    lock = devices.device_peek(user).lock()
    if lock is not None and lock.until is None:
        return f"{exc.message} {guidance.unlock_guidance(user)}"
    if exc.retry_at is None:
        return exc.message
    return f"{exc.message} {guidance.wait_guidance_text(user, exc.retry_at)}"


def _login_ended(result: str, *, factor: str = "none") -> None:
    """The password step ended the login here (a second factor's success is
    announced by LoginFlow.verified)."""
    signals.login_ended.send(sender=None, result=result, factor=factor, seconds=None)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    status, error, retry_at = 200, "", None
    if request.method == "POST":
        response, status, error, retry_at = _password_step(request, form)
        if response is not None:
            return response
        if status == 429:
            form = AuthenticationForm(request)
    context = {
        "form": form,
        "error": error,
        "next": request.GET.get("next", ""),
        "prompt": prompt_context(request, LoginFlow),
    }
    response = render(request, "twofactor/login.html", context, status=status)
    return with_retry_after(response, retry_at)


def _verify(request: HttpRequest, flow_class: type[Flow]) -> HttpResponse:
    flow = flow_class.get(request)
    if flow is None:
        message = str(flow_class.expired_message)
        restart = reverse(flow_class.restart_url_name)
        if wants_json(request):
            return JsonResponse({"ok": False, "message": message, "redirect": restart}, status=400)
        messages.error(request, message)
        return redirect(restart)
    post = request.POST if request.method == "POST" else None
    if post is not None and not flow.answers(post.get("flow")):
        if wants_json(request):
            return JsonResponse({"ok": False, "message": str(STALE)}, status=409)
        messages.error(request, STALE)
        return redirect(flow.verify_url)
    recovery_typed = post is not None and "recovery_code" in post
    app_typed = post is not None and "app_code" in post and not recovery_typed
    form = CodeForm(post if post is not None and not (recovery_typed or app_typed) else None)
    recovery_form = RecoveryForm(post if recovery_typed else None)
    app_form = AppCodeForm(post if app_typed else None)
    status, error, retry_at = 200, "", None
    if post is not None:
        answer, field, check = (
            (recovery_form, "recovery_code", flow.verify_recovery)
            if recovery_typed
            else (app_form, "app_code", flow.verify_app)
            if app_typed
            else (form, "code", flow.verify)
        )
        if answer.is_valid():
            flow.accept_options(post)
            try:
                verified = check(answer.cleaned_data[field])
            except CodeError as exc:
                status, error, retry_at = exc.status, exc.message, exc.retry_at
            else:
                return _verified_response(request, flow, verified)
        else:
            status, error = 400, str(answer.errors[field][0])
        if wants_json(request):
            response = JsonResponse({"ok": False, "message": error}, status=status)
            return with_retry_after(response, retry_at)
        flow = flow_class.get(request) or flow
    prompt = {
        **flow.prompt(),
        "form": form,
        "error": "" if recovery_typed or app_typed else error,
        "recovery_form": recovery_form,
        "recovery_error": error if recovery_typed else "",
        "app_error": error if app_typed else "",
    }
    page = render(request, flow.template, {"prompt": prompt}, status=status)
    return with_retry_after(page, retry_at)


def _verified_response(
    request: HttpRequest, flow: Flow, verified: Verified, *, as_json: bool = False
) -> HttpResponse:
    if verified.message:
        messages.success(request, verified.message)
    json_answer = as_json or wants_json(request)
    url = verified.url
    if verified.more and json_answer:
        url = f"{flow.start_url}?step=code"
    response: HttpResponse = (
        JsonResponse({"ok": True, "redirect": url}) if json_answer else redirect(url)
    )
    if verified.trust_token:
        trust.trust_cookie_add(request, response, verified.trust_token)
    return response


def _resend(request: HttpRequest, flow_class: type[Flow]) -> HttpResponse:
    try:
        flow = flow_class.require(request)
        if not flow.answers(request.POST.get("flow")):
            raise StaleAnswer(STALE)
        flow.resend()
    except CodeError as exc:
        if wants_json(request):
            waiting = flow_class.get(request) if exc.status == 429 else None
            # A lock or the hourly limit: the pop-up shows it afresh (until
            # when, whom to ask); a refused Resend in its cooldown does not.
            blocked = bool(waiting is not None and waiting.prompt().get("blocked"))
            body = {"ok": False, "message": exc.message, **({"reload": True} if blocked else {})}
            answer = JsonResponse(body, status=exc.status)
            return with_retry_after(answer, exc.retry_at)
        if isinstance(exc, FlowExpired):
            messages.error(request, exc.message)
            return redirect(flow_class.restart_url_name)
        if exc.status == 429:
            # The plain page shows the message itself (a flash message too
            # would say it twice); 429 is for scripts that ask. A lock or
            # the hourly limit also says until when and whom to ask.
            waiting = flow_class.get(request)
            guidance = waiting.prompt().get("blocked") if waiting is not None else None
            response = render(
                request,
                "twofactor/rate_limited.html",
                {
                    "message": exc.message,
                    "blocked": guidance,
                    "back_url": reverse(flow_class.verify_url_name),
                },
                status=429,
            )
            return with_retry_after(response, exc.retry_at)
        messages.error(request, exc.message)
        return redirect(flow_class.verify_url_name)
    message = _("A new code is on its way. The previous code no longer works.")
    if wants_json(request):
        # The pop-up's clocks start again: the new code's expiry, the wait
        # before another Resend.
        prompt = flow.prompt()
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "expires_in": prompt.get("expires_in", 0),
                "resend_in": prompt.get("resend_in", 0),
            }
        )
    messages.success(request, message)
    return redirect(flow.verify_url)


@sensitive_post_parameters("code", "recovery_code", "app_code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    return _verify(request, LoginFlow)


@never_cache
@require_POST
def login_resend(request: HttpRequest) -> HttpResponse:
    return _resend(request, LoginFlow)


@sensitive_post_parameters("code", "recovery_code", "app_code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def change_verify(request: HttpRequest) -> HttpResponse:
    return _verify(request, ChangeFlow)


@never_cache
@login_required
@require_POST
def change_resend(request: HttpRequest) -> HttpResponse:
    return _resend(request, ChangeFlow)


@passive
@never_cache
@require_GET
def delivery_status(request: HttpRequest, kind: str) -> HttpResponse:
    """What the pop-up polls to show the latest delivery status."""
    flow_class = FLOWS.get(kind)
    flow = flow_class.get(request) if flow_class else None
    if flow is None:
        return JsonResponse({"ok": False}, status=404)
    prompt = flow.prompt()
    return JsonResponse(
        {
            "ok": True,
            "delivery": prompt["delivery"],
            "failure": prompt["failure"],
            # Call me instead / Email me instead may be shown now.
            "fallback": bool(prompt.get("fallback_now")),
        }
    )


def _loopback(request: HttpRequest) -> bool:
    try:
        return ipaddress.ip_address(client_ip(request) or "").is_loopback
    except ValueError:
        return False


@require_GET
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Development only: DEBUG on, and asked from the developer's own machine."""
    from twofactor.channels import outbox

    if not settings.DEBUG or not _loopback(request):
        raise Http404
    return render(request, "twofactor/dev_outbox.html", {"entries": outbox.messages()})


def _stale(request: HttpRequest, flow: Flow) -> JsonResponse | None:
    """A refusal when the answer names another stage than the waiting one."""
    if flow.answers(request.POST.get("flow") or request.GET.get("flow")):
        return None
    return JsonResponse({"ok": False, "message": str(STALE)}, status=409)


def _passkey_options(request: HttpRequest, flow_class: type[Flow]) -> HttpResponse:
    """The options for navigator.credentials.get(), for the waiting stage."""
    flow = flow_class.get(request)
    if flow is None or flow.method != "passkey":
        return JsonResponse({"ok": False, "message": str(flow_class.expired_message)}, status=400)
    stale = _stale(request, flow)
    if stale is not None:
        return stale
    try:
        options = flow.passkey_options()
    except CodeError as exc:
        restart = reverse(flow_class.restart_url_name)
        return JsonResponse({"ok": False, "message": exc.message, "redirect": restart}, status=400)
    return HttpResponse(options, content_type="application/json")


def _passkey_verify(request: HttpRequest, flow_class: type[Flow]) -> HttpResponse:
    """The browser's answer: the waiting stage is done, or it says why not."""
    flow = flow_class.get(request)
    if flow is None:
        return JsonResponse({"ok": False, "message": str(flow_class.expired_message)}, status=400)
    stale = _stale(request, flow)
    if stale is not None:
        return stale
    try:
        verified = flow.verify_passkey(request.body.decode("utf-8", "replace")[:20000])
    except CodeError as exc:
        answer = JsonResponse({"ok": False, "message": exc.message}, status=exc.status)
        return with_retry_after(answer, exc.retry_at)
    return _verified_response(request, flow, verified, as_json=True)


def _app_instead(request: HttpRequest, flow_class: type[Flow]) -> HttpResponse:
    """Try another way: the authenticator app instead of the passkey."""
    flow = flow_class.get(request)
    if flow is not None and not flow.answers(request.POST.get("flow")):
        messages.error(request, STALE)
        return redirect(flow_class.verify_url_name)
    try:
        if flow is not None and flow.method == "passkey" and flow.app_available():
            flow.use_app_instead()
    except CodeError as exc:
        messages.error(request, exc.message)
        return redirect(flow_class.restart_url_name)
    return redirect(flow_class.verify_url_name)


@never_cache
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    return _passkey_options(request, LoginFlow)


@never_cache
@require_POST
def passkey_verify(request: HttpRequest) -> HttpResponse:
    return _passkey_verify(request, LoginFlow)


@never_cache
@require_POST
def login_app_instead(request: HttpRequest) -> HttpResponse:
    return _app_instead(request, LoginFlow)


@never_cache
@login_required
@require_POST
def change_passkey_options(request: HttpRequest) -> HttpResponse:
    return _passkey_options(request, ChangeFlow)


@never_cache
@login_required
@require_POST
def change_passkey_verify(request: HttpRequest) -> HttpResponse:
    return _passkey_verify(request, ChangeFlow)


@never_cache
@login_required
@require_POST
def change_app_instead(request: HttpRequest) -> HttpResponse:
    return _app_instead(request, ChangeFlow)


@never_cache
@require_POST
def login_fallback(request: HttpRequest) -> HttpResponse:
    """Call me instead / Email me instead: a fresh code by that channel."""
    flow = LoginFlow.get(request)
    if flow is None:
        messages.error(request, LoginFlow.expired_message)
        return redirect(LoginFlow.restart_url_name)
    try:
        if not flow.answers(request.POST.get("flow")):
            raise StaleAnswer(STALE)
        way = flow.fallback_send(request.POST.get("channel", ""))
    except CodeError as exc:
        if wants_json(request):
            answer = JsonResponse({"ok": False, "message": exc.message}, status=exc.status)
            return with_retry_after(answer, exc.retry_at)
        if isinstance(exc, FlowExpired):
            messages.error(request, exc.message)
            return redirect(LoginFlow.restart_url_name)
        messages.error(request, exc.message)
        return redirect(LoginFlow.verify_url_name)
    message = _(
        "A new code is on its way by %(channel)s to %(destination)s. "
        "The previous code no longer works."
    ) % {"channel": way.channel_label, "destination": way.masked}
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message, "redirect": reverse("login_verify")})
    messages.success(request, message)
    return redirect(LoginFlow.verify_url_name)
