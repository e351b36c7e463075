from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class PhoneChecked:
    """An operator's phone number passes the same refusals as a co-worker's
    own: costly kinds of number, and countries the enterprise does not
    allow for SMS and voice."""

    def clean(self):
        from twofactor.destinations import phone_refusal

        cleaned = super().clean()  # type: ignore[misc]
        phone, enterprise = cleaned.get("phone"), cleaned.get("enterprise")
        if phone and enterprise is not None:
            refusal = phone_refusal(phone.as_e164, enterprise.sms_regions)
            if refusal:
                self.add_error("phone", refusal)  # type: ignore[attr-defined]
        return cleaned


class PortalUserChangeForm(PhoneChecked, UserChangeForm):
    pass


class PortalUserCreationForm(PhoneChecked, AdminUserCreationForm):
    pass


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    list_display = ("username", "email", "enterprise", "is_enterprise_admin", "is_staff")
    list_filter = ("enterprise", "is_enterprise_admin", "is_staff")
    list_select_related = ("enterprise",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Enterprise"), {"fields": ("enterprise", "is_enterprise_admin", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Enterprise"), {"fields": ("email", "enterprise", "is_enterprise_admin", "phone")}),
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
