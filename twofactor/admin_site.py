from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """/admin/ for operators, reached only through the portal's own login:
    its password form is replaced by a redirect, and every request needs a
    session verified by the staff member's own second factor (docs/SECURITY.md,
    "Operators"), whether or not their enterprise requires 2FA."""

    site_header = _("Customer Portal operations")

    def has_permission(self, request: HttpRequest) -> bool:
        verified = getattr(request.user, "is_verified", None)  # django-otp's
        return bool(super().has_permission(request) and verified and verified())

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        login_url = f"{reverse('login')}?{urlencode({'next': next_url})}"
        user = request.user
        if not user.is_authenticated:
            return redirect(login_url)
        if not (user.is_active and user.is_staff):
            return redirect(reverse("home"))
        from twofactor.devices import twofactor_on

        if twofactor_on(user):
            # 2FA is on but this session was not verified by it (a login from
            # before it was turned on): log in again, with the code.
            logout(request)
            messages.info(
                request, gettext("Log in with your verification code to open the operations site.")
            )
            return redirect(login_url)
        if user.enterprise.twofactor_enabled:
            message = gettext(
                "Operators need two-factor authentication: turn it on for your login first "
                "(Status, on this tab), then log in again."
            )
        else:
            message = gettext(
                "Operators need two-factor authentication: %(enterprise)s has it turned off, "
                "so an administrator must turn it on first (Enterprise Settings > Two-Factor "
                "Authentication)."
            ) % {"enterprise": user.enterprise.name}
        messages.error(request, message)
        return redirect(reverse("accounts:settings"))


class PortalAdminConfig(AdminConfig):
    default_site = "twofactor.admin_site.PortalAdminSite"
