"""docs/SECURITY.md, "Password storage": passwords are Argon2id with the
portal's parameters (PASSWORD_ARGON2_*). A hash stored with Django's default
parameters (100 MiB, 2 passes, 8 lanes: every password before the change)
still logs in, and that login rewrites it with the portal's; a wrong
password rewrites nothing."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.urls import reverse

from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD, password_step

PORTAL_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def params(encoded: str) -> tuple[int, int, int]:
    decoded = identify_hasher(encoded).decode(encoded)
    return decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]


@pytest.fixture
def old_hash(settings, coworker):
    """The co-worker's password as Django's own Argon2 hasher stored it."""
    settings.PASSWORD_HASHERS = PORTAL_HASHERS
    coworker.password = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    coworker.save(update_fields=["password"])
    assert params(coworker.password) == (102400, 2, 8)
    return coworker.password


def portal_params(settings) -> tuple[int, int, int]:
    return (
        settings.PASSWORD_ARGON2_MEMORY_KIB,
        settings.PASSWORD_ARGON2_TIME_COST,
        settings.PASSWORD_ARGON2_PARALLELISM,
    )


def test_it_hashes_new_passwords_with_the_portals_parameters(settings):
    settings.PASSWORD_HASHERS = PORTAL_HASHERS
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    assert params(encoded) == portal_params(settings)
    # At least OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
    memory, passes, lanes = params(encoded)
    assert memory >= 19 * 1024 and passes >= 2 and lanes >= 1


def test_it_rewrites_an_old_hash_at_the_next_login(client, coworker, old_hash, settings):
    assert password_step(client, coworker).status_code == 302

    coworker.refresh_from_db()
    assert coworker.password != old_hash
    assert params(coworker.password) == portal_params(settings)
    assert coworker.check_password(PASSWORD)


def test_with_2fa_on_the_password_step_rewrites_it(client, coworker, acme, old_hash, settings):
    twofactor_on(acme, coworker)

    response = password_step(client, coworker)

    assert response.url == reverse("login_verify")
    coworker.refresh_from_db()
    assert params(coworker.password) == portal_params(settings)


def test_a_wrong_password_rewrites_nothing(client, coworker, old_hash):
    assert password_step(client, coworker, password="not-the-password-0").status_code == 400

    coworker.refresh_from_db()
    assert coworker.password == old_hash
