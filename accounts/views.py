from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import AccountInformationForm, AccountSettingsForm, PasswordChangeForm
from accounts.sessions import PASSKEY_PROVEN, browser_name, session_keep, sessions_of
from enterprise.audit import Action, audit_record, client_ip
from twofactor import app, notices, passkeys, recovery, throttle, trust
from twofactor.codes import CodeError
from twofactor.devices import twofactor_on
from twofactor.forms import CodeForm
from twofactor.pages import page_with_code_step
from twofactor.selectors import twofactor_summary
from twofactor.stepup import require_code


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
            outcome = require_code(
                request,
                action=services.ACCOUNT_SETTINGS_ACTION,
                payload=form.payload(),
                return_url=reverse("accounts:settings"),
            )
            if not isinstance(outcome, CodeError):
                return outcome
            form.add_error(None, outcome.message)
            status, retry_at = outcome.status, outcome.retry_at
    context = {"form": form, "summary": twofactor_summary(user), "languages": settings.LANGUAGES}
    return page_with_code_step(
        request, "accounts/settings.html", context, status=status, retry_at=retry_at
    )


@login_required
@require_POST
def language(request):
    """Language on My Account: pages, codes and emails in it from now on."""
    chosen = request.POST.get("language", "")
    if chosen and chosen not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose a language from the list."))
        return redirect("accounts:settings")
    request.user.language = chosen
    request.user.save(update_fields=["language"])
    translation.activate(chosen or translation.get_language_from_request(request))
    messages.success(request, _("Your language is saved."))
    response = redirect("accounts:settings")
    if chosen:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax", secure=request.is_secure()
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Account Information, where "Click Here" leads from My Account: the
    names save at once; a new email or phone number goes through My
    Account's own change action, so it asks for exactly the same codes."""
    user = request.user
    form = AccountInformationForm(request.POST if request.method == "POST" else None, user=user)
    status, retry_at = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            named = services.account_names_save(user=user, ip=client_ip(request), **form.names())
            if not services.contacts_changed(user, **form.contacts()):
                if named:
                    messages.success(request, _("Your account information was saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("accounts:profile")
            if named:
                messages.success(request, _("Your name was saved."))
            outcome = require_code(
                request,
                action=services.ACCOUNT_SETTINGS_ACTION,
                payload=services.contacts_payload(user, **form.contacts()),
                return_url=reverse("accounts:profile"),
            )
            if not isinstance(outcome, CodeError):
                return outcome
            form.add_error(None, outcome.message)
            status, retry_at = outcome.status, outcome.retry_at
    return page_with_code_step(
        request, "accounts/profile.html", {"form": form}, status=status, retry_at=retry_at
    )


def _security_page(
    request,
    *,
    form=None,
    error="",
    status=200,
    retry_at=None,
    new_codes=(),
    recovery_error="",
    app_error="",
    passkey_error="",
):
    user = request.user
    sessions = [
        {
            "browser": browser_name(session.user_agent),
            "ip": session.ip or "—",
            "last_active": session.last_active,
            "current": session.session_key == request.session.session_key,
        }
        for session in sessions_of(user)
    ]
    browsers = [
        {
            "id": trusted.pk,
            "browser": browser_name(trusted.user_agent),
            "ip": trusted.ip or "—",
            "created_at": trusted.created_at,
            "expires_at": trusted.expires_at,
            "last_used_at": trusted.last_used_at,
            "current": trust.is_this_browser(request, trusted),
        }
        for trusted in trust.trusted_browsers_of(user)
    ]
    context = {
        "form": form or PasswordChangeForm(user=user),
        "error": error,
        "sessions": sessions,
        "browsers": browsers,
        "twofactor_on": twofactor_on(user),
        "recovery_left": recovery.recovery_left(user),
        "recovery_total": settings.TWOFACTOR_RECOVERY_CODES,
        "new_codes": list(new_codes),
        "codes_text": "".join(f"{code}\n" for code in new_codes),
        "recovery_error": recovery_error,
        "app_allowed": app.app_allowed(user),
        "app_active": app.app_device(user),
        "app_error": app_error,
        "passkeys_allowed": passkeys.passkeys_allowed(user),
        "passkeys": passkeys.passkeys_of(user),
        "passkey_error": passkey_error,
    }
    return page_with_code_step(
        request, "accounts/security.html", context, status=status, retry_at=retry_at
    )


def _security_change(request, *, action: str, payload: dict, return_url: str, section: str):
    """A change asked for on the Security tab: the step-up sequence; a
    refusal is shown in the section it came from (`section`: the name of
    the _security_page argument that shows it)."""
    outcome = require_code(request, action=action, payload=payload, return_url=return_url)
    if isinstance(outcome, CodeError):
        return _security_page(
            request,
            status=outcome.status,
            retry_at=outcome.retry_at,
            **{section: outcome.message},
        )
    return outcome


@login_required
@require_GET
def security(request):
    asked = services.RECOVERY_SHOW in request.session
    codes = services.recovery_codes_show(request)
    if codes:
        messages.success(
            request, _("Here are your new recovery codes. Your earlier codes no longer work.")
        )
    elif asked:
        messages.warning(
            request,
            _(
                "No new recovery codes were made (they were shown elsewhere, or too much time "
                "passed). Your earlier codes still work. Click Generate recovery codes again."
            ),
        )
    return _security_page(request, new_codes=codes)


@login_required
@require_POST
def recovery_codes_generate(request):
    """Generate recovery codes: a step-up, then the page shows them once."""
    return _security_change(
        request,
        action=services.RECOVERY_ACTION,
        payload={},
        return_url=reverse("accounts:security"),
        section="recovery_error",
    )


@login_required
@require_POST
def browser_revoke(request, trusted_id: int):
    """Forget one remembered browser of one's own (another's id: nothing)."""
    count = trust.trust_revoke(
        user=request.user, trusted_id=trusted_id, ip=client_ip(request), why="revoked"
    )
    if count:
        messages.success(request, _("That browser is no longer remembered."))
    else:
        messages.info(request, _("That browser was not remembered any more."))
    return redirect("accounts:security")


@login_required
@require_POST
def browsers_revoke_all(request):
    count = trust.trust_revoke(
        user=request.user, trusted_id=None, ip=client_ip(request), why="revoke all"
    )
    messages.success(
        request,
        ngettext(
            "%(count)s browser is no longer remembered.",
            "%(count)s browsers are no longer remembered.",
            count,
        )
        % {"count": count},
    )
    return redirect("accounts:security")


@sensitive_post_parameters("current_password", "new_password", "confirm_password")
@login_required
@require_POST
def password_change(request):
    """Change password: the current one first (throttled like the login's),
    then a step-up when 2FA is on; applies after the code."""
    user, ip = request.user, client_ip(request)
    form = PasswordChangeForm(request.POST, user=user)
    attempt = throttle.password_attempt(ip=ip, user=user)
    if attempt.retry_at is not None:
        audit_record(
            Action.LIMIT_REACHED, actor=user, target=user, ip=ip, detail="password guesses"
        )
        until = timezone.localtime(attempt.retry_at)
        error = _("Too many wrong passwords. Try again after %(time)s UTC.") % {
            "time": f"{until:%H:%M}"
        }
        return _security_page(request, error=error, status=429, retry_at=attempt.retry_at)
    valid = form.is_valid()
    if "current_password" in form.cleaned_data:
        # Checked, and right: only then is this attempt not a failure.
        attempt.succeeded()
    elif form.wrong_current_password:
        audit_record(
            Action.PASSWORD_CHANGE_REFUSED,
            actor=user,
            target=user,
            ip=ip,
            detail="wrong current password",
        )
    if not valid:
        return _security_page(request, form=form, status=400)
    outcome = require_code(
        request,
        action=services.PASSWORD_ACTION,
        payload={"password_hash": make_password(form.cleaned_data["new_password"])},
        return_url=reverse("accounts:security"),
    )
    if isinstance(outcome, CodeError):
        return _security_page(
            request, error=outcome.message, status=outcome.status, retry_at=outcome.retry_at
        )
    return outcome


@login_required
@require_POST
def sessions_end_others(request):
    ended = services.sessions_end_others(
        user=request.user, session_key=request.session.session_key, ip=client_ip(request)
    )
    if not session_keep(request, ended):
        # Ended by another request at the same moment: this one ends too.
        logout(request)
        return redirect("login")
    messages.success(request, _("Your other sessions were logged out."))
    return redirect("accounts:security")


@login_required
@require_POST
def app_setup_start(request):
    """Set up authenticator app: a step-up, then the QR code page."""
    return _security_change(
        request,
        action=services.APP_SETUP_ACTION,
        payload={},
        return_url=reverse("accounts:app_setup"),
        section="app_error",
    )


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def app_setup(request):
    """The QR code and the secret of the app being set up, and its first
    Verification code."""
    if request.GET.get("step") == "code":
        # The step-up's pop-up, over the Security page.
        return _security_page(request)
    pending = services.app_pending_id(request)
    device = (
        TOTPDevice.objects.filter(pk=pending, user=request.user, confirmed=False).first()
        if pending is not None
        else None
    )
    if device is None:
        messages.info(request, _("Click Set up authenticator app to start again."))
        return redirect("accounts:security")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = services.app_setup_confirm(
                    request, device=device, code=form.cleaned_data["code"]
                )
            except CodeError as exc:
                form.add_error("code", exc.message)
                status = exc.status
            else:
                messages.success(request, message)
                return redirect("accounts:security")
    context = {
        "form": form,
        "qr_svg": mark_safe(app.app_qr_svg(device)),  # noqa: S308  # nosec B308 B703 (segno's SVG of our own URL)
        "secret": app.app_secret(device),
    }
    return render(request, "accounts/app_setup.html", context, status=status)


@login_required
@require_POST
def app_remove(request):
    return _security_change(
        request,
        action=services.APP_REMOVE_ACTION,
        payload={},
        return_url=reverse("accounts:security"),
        section="app_error",
    )


PASSKEY_REGISTRATION = "_passkey_registration"


def _passkey_grant(request):
    """The name of the passkey a fresh step-up allows this session to add,
    while the person still has 2FA on and passkeys are allowed."""
    grant = request.session.get(services.PASSKEY_GRANT)
    if not isinstance(grant, dict) or timezone.now() >= datetime.fromisoformat(grant["until"]):
        return None
    if not (twofactor_on(request.user) and passkeys.passkeys_allowed(request.user)):
        request.session.pop(services.PASSKEY_GRANT, None)
        return None
    return grant["name"]


@login_required
@require_POST
def passkey_add(request):
    """Add a passkey: a Name, a step-up, then the browser creates it."""
    name = " ".join(request.POST.get("name", "").split())[:60]
    if not name:
        return _security_page(
            request, passkey_error=_("Give the passkey a name, like “Work laptop”."), status=400
        )
    return _security_change(
        request,
        action=services.PASSKEY_ADD_ACTION,
        payload={"name": name},
        return_url=reverse("accounts:passkey_new"),
        section="passkey_error",
    )


@login_required
@require_GET
def passkey_new(request):
    if request.GET.get("step") == "code":
        return _security_page(request)
    name = _passkey_grant(request)
    if name is None:
        messages.info(request, _("Click Add a passkey to start again."))
        return redirect("accounts:security")
    return render(request, "accounts/passkey_new.html", {"name": name})


@login_required
@require_POST
def passkey_options(request):
    if _passkey_grant(request) is None:
        return JsonResponse(
            {"ok": False, "message": _("Click Add a passkey to start again.")}, status=400
        )
    options, challenge = passkeys.registration_options(request.user)
    request.session[PASSKEY_REGISTRATION] = challenge
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def passkey_register(request):
    name = _passkey_grant(request)
    challenge = request.session.pop(PASSKEY_REGISTRATION, None)
    if name is None or not challenge:
        return JsonResponse(
            {"ok": False, "message": _("Click Add a passkey to start again.")}, status=400
        )
    try:
        passkeys.registration_verify(
            user=request.user,
            name=name,
            credential=request.body.decode("utf-8", "replace")[:20000],
            challenge=challenge,
            ip=client_ip(request),
        )
    except CodeError as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=400)
    request.session.pop(services.PASSKEY_GRANT, None)
    # A passkey made and proven (user verification) in this session: where
    # only passkeys log in, it now opens the portal like a passkey login.
    request.session[PASSKEY_PROVEN] = True
    notices.notice_send(notices.FACTOR_ADDED, user=request.user, context={"method": "passkey"})
    messages.success(
        request,
        _("Your passkey “%(name)s” is added. Logins now ask for it first.") % {"name": name},
    )
    return JsonResponse({"ok": True, "redirect": reverse("accounts:security")})


@login_required
@require_POST
def passkey_remove(request, passkey_id: int):
    return _security_change(
        request,
        action=services.PASSKEY_REMOVE_ACTION,
        payload={"passkey_id": passkey_id},
        return_url=reverse("accounts:security"),
        section="passkey_error",
    )
