import enum
from datetime import datetime
from typing import Any

from django.db import models

class VerifyNotAllowed(enum.Enum):
    N_FAILED_ATTEMPTS = "N_FAILED_ATTEMPTS"

class Device(models.Model):
    class Meta:
        abstract = True

    name: models.CharField[str, str]
    confirmed: models.BooleanField[bool, bool]
    @property
    def persistent_id(self) -> str: ...
    @classmethod
    def from_persistent_id(cls, persistent_id: str, for_verify: bool = ...) -> Device | None: ...
    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]: ...

class ThrottlingMixin(models.Model):
    class Meta:
        abstract = True

    throttling_failure_timestamp: models.DateTimeField[datetime | None, datetime | None]
    throttling_failure_count: models.PositiveIntegerField[int, int]
    def throttle_reset(self, commit: bool = ...) -> None: ...
    def throttle_increment(self, commit: bool = ...) -> None: ...
    def get_throttle_factor(self) -> int: ...
