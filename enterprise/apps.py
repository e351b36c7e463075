from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"

    def ready(self) -> None:
        from enterprise import purposes, services
        from twofactor.stepup import action_register

        action_register(
            services.POLICY,
            needed=services.policy_needed,
            apply=services.policy_apply,
            describe=purposes.policy_describe,
        )
        action_register(
            services.RESET,
            needed=services.coworker_reset_needed,
            apply=services.coworker_reset_apply,
            describe=purposes.coworker_reset_describe,
        )
