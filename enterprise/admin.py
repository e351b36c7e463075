from django.contrib import admin

from enterprise.models import AuditEvent, Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "twofactor_enabled", "twofactor_channel")
    search_fields = ("name",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "enterprise", "action", "actor", "target", "ip")
    list_filter = ("action",)
    list_select_related = ("enterprise", "actor", "target")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The log is evidence: nobody edits or deletes a row by hand (ASVS 7.3.3).
        return False
