"""Password rules Django does not ship."""

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """ASVS 2.1.2: at least 64 characters are allowed, more than 128 are
    refused (a multi-megabyte "password" would only cost hashing time)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can't be longer than %(max_length)d character.",
            "Your password can't be longer than %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}
