"""The password hasher: Argon2id with the portal's parameters.

Django's Argon2PasswordHasher with its memory, passes and lanes read from
settings (PASSWORD_ARGON2_*; portal/settings.py says why these numbers). Its
algorithm name stays "argon2", so a hash made with other parameters (Django's
defaults, before) still verifies, and Django's must_update() (which compares
the parameters stored in the hash with these) has the login rewrite it with
these after the password was checked correct."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    # Read on every use rather than once at import, so override_settings and a
    # bench's settings reach a hasher Django has already cached.
    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(settings.PASSWORD_ARGON2_MEMORY_KIB)

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(settings.PASSWORD_ARGON2_TIME_COST)

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return int(settings.PASSWORD_ARGON2_PARALLELISM)
