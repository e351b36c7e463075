from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
    path("profile/", views.profile, name="profile"),
    path("security/", views.security, name="security"),
    path("security/password/", views.password_change, name="password"),
    path("security/sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("security/recovery-codes/", views.recovery_codes_generate, name="recovery_codes"),
    path("security/browsers/<int:trusted_id>/revoke/", views.browser_revoke, name="browser_revoke"),
    path("security/browsers/revoke-all/", views.browsers_revoke_all, name="browsers_revoke_all"),
    path("security/app/", views.app_setup_start, name="app_setup_start"),
    path("security/app/setup/", views.app_setup, name="app_setup"),
    path("security/app/remove/", views.app_remove, name="app_remove"),
]
