"""Settings of the portal the browser tests serve: the real settings, read
from the environment like in production, with three test-only differences.
Only the gunicorn and Celery processes started by tests/browser/conftest.py
use this module."""

import os
from datetime import timedelta
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import PASSWORD_HASHERS

# The guide's "If you didn't receive a code, click Resend" is taken a moment
# after the first code arrives, well inside the behaviour's 30 s resend cooldown. The
# cooldown itself is proven with a frozen clock in twofactor/tests; waiting it
# out here would be a real 30 s sleep, a quarter of the suite's time budget.
TWOFACTOR_RESEND_COOLDOWN = timedelta(0)

# The tests create their people in the test process, which hashes passwords
# with MD5 for speed (tests/fixtures.py); the served portal must accept those.
# Argon2id stays first, so any password the portal itself sets uses it.
PASSWORD_HASHERS = [*PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]

# DEBUG copies every code to the development outbox file; keep the tests'
# codes out of the developer's var/dev-outbox.jsonl.
TWOFACTOR_DEV_OUTBOX = Path(os.environ["PORTAL_TEST_DEV_OUTBOX"])

# This run's own queue on the shared Redis (see tests/browser/conftest.py).
CELERY_TASK_DEFAULT_QUEUE = os.environ["PORTAL_TEST_QUEUE"]
