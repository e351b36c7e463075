from datetime import datetime
from typing import Any

from django.db import models
from django_otp.models import Device, ThrottlingMixin

class TOTPDevice(ThrottlingMixin, Device):
    user: models.ForeignKey[Any, Any]
    key: models.CharField[str, str]
    step: models.PositiveSmallIntegerField[int, int]
    t0: models.BigIntegerField[int, int]
    digits: models.PositiveSmallIntegerField[int, int]
    tolerance: models.PositiveSmallIntegerField[int, int]
    drift: models.SmallIntegerField[int, int]
    last_t: models.BigIntegerField[int, int]
    last_used_at: models.DateTimeField[datetime | None, datetime | None]
    @property
    def bin_key(self) -> bytes: ...
    @property
    def config_url(self) -> str: ...
    def verify_token(self, token: str | int) -> bool: ...
