from django.urls import path

from enterprise import views

app_name = "enterprise"

urlpatterns = [
    path("settings/", views.settings_general, name="settings"),
    path("settings/two-factor/", views.settings_twofactor, name="twofactor"),
    path("settings/two-factor/notify/", views.coworkers_notify, name="notify"),
    path("settings/coworkers/<int:user_id>/", views.coworker_detail, name="coworker"),
    path("settings/coworkers/<int:user_id>/unlock/", views.coworker_unlock, name="unlock"),
    path("settings/audit/", views.audit_log, name="audit"),
    path("settings/audit/export/", views.audit_export, name="audit_export"),
]
