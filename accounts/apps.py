from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts import purposes, services
        from twofactor.stepup import action_register

        action_register(
            services.ACCOUNT_SETTINGS_ACTION,
            needed=services.account_settings_needed,
            apply=services.account_settings_apply,
            describe=purposes.account_settings_describe,
        )
        action_register(
            services.PASSWORD_ACTION,
            needed=services.password_change_needed,
            apply=services.password_change_apply,
            describe=purposes.password_describe,
        )
        action_register(
            services.RECOVERY_ACTION,
            needed=services.recovery_codes_needed,
            apply=services.recovery_codes_apply,
            describe=purposes.recovery_codes_describe,
        )
        action_register(
            services.APP_SETUP_ACTION,
            needed=services.app_setup_needed,
            apply=services.app_setup_apply,
            describe=purposes.app_setup_describe,
        )
        action_register(
            services.APP_REMOVE_ACTION,
            needed=services.app_remove_needed,
            apply=services.app_remove_apply,
            describe=purposes.app_remove_describe,
        )
        action_register(
            services.PASSKEY_ADD_ACTION,
            needed=services.passkey_add_needed,
            apply=services.passkey_add_apply,
            describe=purposes.passkey_add_describe,
        )
        action_register(
            services.PASSKEY_REMOVE_ACTION,
            needed=services.passkey_remove_needed,
            apply=services.passkey_remove_apply,
            describe=purposes.passkey_remove_describe,
        )
        user_logged_in.connect(_session_started, dispatch_uid="accounts.session_started")


def _session_started(sender, request, user, **kwargs) -> None:
    """Every login starts the session's clocks (idle and absolute limits)."""
    from accounts.middleware import session_started

    if request is not None and hasattr(request, "session"):
        session_started(request, user)
