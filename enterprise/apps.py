from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"
