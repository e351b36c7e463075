"""Rows in bulk: an enterprise with 2FA on by SMS and co-workers enrolled,
each with a phone number of their own (the hourly limits are per user and
per destination). One Argon2id hash is computed once and shared by every
user, so 100,000 co-workers take seconds, not hours, to create."""

from django.contrib.auth.hashers import make_password

from bench.client import PASSWORD


def enterprise_create(name: str, *, enabled: bool = True, channel: str = "sms"):
    """A bench enterprise sends as many SMS a day as the benchmarks need (its
    Daily SMS and voice limit at the most an administrator may set)."""
    from django.conf import settings

    from enterprise.models import Enterprise

    return Enterprise.objects.create(
        name=name,
        twofactor_enabled=enabled,
        twofactor_channel=channel,
        daily_phone_limit=settings.TWOFACTOR_DAILY_PHONE_LIMIT_MAX,
    )


def phone_for(prefix: int, number: int) -> str:
    # +1 303 followed by 7 digits: a valid-looking US number per co-worker.
    return f"+1303{prefix}{number:06d}"


def coworkers_create(
    enterprise,
    *,
    count: int,
    prefix: str,
    phone_prefix: int = 2,
    enrolled: bool = True,
    batch_size: int = 5000,
    password_hash: str = "",
) -> list[tuple[str, str]]:
    """Create `count` co-workers; returns their (username, phone). Their
    password is hashed by the first of PASSWORD_HASHERS, or is `password_hash`
    (a hash of bench.client.PASSWORD made with other parameters)."""
    from django.contrib.auth import get_user_model

    from twofactor.models import CodeDevice

    user_model = get_user_model()
    password = password_hash or make_password(PASSWORD)
    users = [
        user_model(
            username=f"{prefix}{i:06d}",
            email=f"{prefix}{i:06d}@bench.example",
            phone=phone_for(phone_prefix, i),
            first_name="Bench",
            last_name=f"User {i}",
            password=password,
            enterprise=enterprise,
        )
        for i in range(count)
    ]
    user_model.objects.bulk_create(users, batch_size=batch_size)
    CodeDevice.objects.bulk_create(
        [
            CodeDevice(user=u, name="Customer Portal code", enrolled=enrolled, confirmed=enrolled)
            for u in users
        ],
        batch_size=batch_size,
    )
    return [(u.username, phone_for(phone_prefix, i)) for i, u in enumerate(users)]


def admin_create(enterprise, *, username: str = "bench-admin"):
    """An administrator whose own login needs no code (not enrolled), so the
    benchmark reaches Enterprise Settings with a password."""
    from accounts.services import portal_user_create

    return portal_user_create(
        username=username,
        enterprise=enterprise,
        email=f"{username}@bench.example",
        password=PASSWORD,
        phone="",
        admin=True,
    )
