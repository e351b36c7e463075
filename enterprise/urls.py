from django.urls import path

from enterprise import views

app_name = "enterprise"

urlpatterns = [
    path("settings/", views.settings_general, name="settings"),
    path("settings/two-factor/", views.settings_twofactor, name="twofactor"),
    path("settings/two-factor/notify/", views.coworkers_notify, name="notify"),
    path("settings/two-factor/export/", views.coworkers_export, name="coworkers_export"),
    path("settings/coworkers/<int:user_id>/", views.coworker_detail, name="coworker"),
    path("settings/coworkers/<int:user_id>/unlock/", views.coworker_unlock, name="unlock"),
    path("settings/coworkers/<int:user_id>/reset/", views.coworker_reset, name="reset"),
    path("settings/audit/", views.audit_log, name="audit"),
    path("settings/audit/export/", views.audit_export, name="audit_export"),
]
