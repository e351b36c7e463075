from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class PortalAdminSite(admin.AdminSite):
    """/admin/ for operators, reached only through the portal's own login:
    its password form is replaced by a redirect, and a staff member whose
    login needs a code must hold a session verified by one."""

    site_header = "Customer Portal operations"

    def has_permission(self, request) -> bool:
        from twofactor.services import login_requires_code

        if not super().has_permission(request):
            return False
        return not login_requires_code(request.user) or request.user.is_verified()

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated:
            # Signed in but not allowed (not staff, or not verified by a code).
            return redirect(reverse("home"))
        return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


class PortalAdminConfig(AdminConfig):
    default_site = "twofactor.admin_site.PortalAdminSite"
