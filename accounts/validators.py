"""Password rules Django does not ship."""

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """ASVS 2.1.2: at least 64 characters are allowed, more than 128 are
    refused (a multi-megabyte "password" would only cost hashing time)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long. It must contain at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can't be longer than {self.max_length} characters."
