from django.contrib import admin

from twofactor.models import Challenge, CodeDevice


@admin.register(CodeDevice)
class CodeDeviceAdmin(admin.ModelAdmin[CodeDevice]):
    list_display = ("user", "enrolled", "confirmed", "throttling_failure_count")
    list_select_related = ("user",)
    search_fields = ("user__username",)


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin[Challenge]):
    list_display = ("created_at", "user", "purpose", "channel", "status", "delivery")
    list_select_related = ("user",)
    exclude = ("code_hash", "salt")
    readonly_fields = ("user", "flow", "purpose", "channel", "destination", "created_at")
