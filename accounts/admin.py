from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "email", "enterprise", "is_enterprise_admin", "is_staff")
    list_filter = ("enterprise", "is_enterprise_admin", "is_staff")
    list_select_related = ("enterprise",)
    fieldsets = UserAdmin.fieldsets + (
        ("Enterprise", {"fields": ("enterprise", "is_enterprise_admin", "phone")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        ("Enterprise", {"fields": ("email", "enterprise", "is_enterprise_admin", "phone")}),
    )
