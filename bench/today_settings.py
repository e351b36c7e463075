"""The portal's settings as they were before the capacity work (issue 14), for
the benchmarks that measure before and after in one run: Django's own Argon2
hasher first, with its default parameters (100 MiB, 2 passes, 8 lanes).
Everything else is portal.settings."""

from portal.settings import *  # noqa: F403
from portal.settings import PASSWORD_HASHERS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher", *PASSWORD_HASHERS[1:]]
