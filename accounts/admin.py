from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "email", "enterprise", "is_enterprise_admin", "is_staff")
    list_filter = ("enterprise", "is_enterprise_admin", "is_staff")
    list_select_related = ("enterprise",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Enterprise", {"fields": ("enterprise", "is_enterprise_admin", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Enterprise", {"fields": ("email", "enterprise", "is_enterprise_admin", "phone")}),
    )

    def save_model(self, request, obj, form, change):
        """An operator is trusted: the email and phone number they set are
        confirmed (they fix a person stranded with no confirmed detail), and
        the person's sessions and waiting logins end, as after any change of
        where their codes go."""
        super().save_model(request, obj, form, change)
        changed = {"email", "phone"} & set(form.changed_data)
        if change and changed:
            from accounts.sessions import sessions_end
            from twofactor.models import CodeDevice

            CodeDevice.objects.filter(user=obj).update(
                **{f"{field}_unproven": False for field in changed}
            )
            sessions_end(user=obj)
