from django.contrib.auth.models import AbstractUser
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField


class User(AbstractUser):
    """A portal user. Every user belongs to exactly one enterprise account;
    `is_enterprise_admin` lets them change that enterprise's settings."""

    enterprise = models.ForeignKey(
        "enterprise.Enterprise", on_delete=models.PROTECT, related_name="users"
    )
    is_enterprise_admin = models.BooleanField("administrator", default=False)
    email = models.EmailField("email address")
    phone = PhoneNumberField("phone number", blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        indexes = [models.Index(fields=["enterprise", "username"])]

    def __str__(self) -> str:
        return self.username
