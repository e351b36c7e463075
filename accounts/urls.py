from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
    path("settings/language/", views.language, name="language"),
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
    path("security/passkeys/", views.passkey_add, name="passkey_add"),
    path("security/passkeys/new/", views.passkey_new, name="passkey_new"),
    path("security/passkeys/options/", views.passkey_options, name="passkey_options"),
    path("security/passkeys/register/", views.passkey_register, name="passkey_register"),
    path("security/passkeys/<int:passkey_id>/remove/", views.passkey_remove, name="passkey_remove"),
]
