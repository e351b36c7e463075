"""Settings of the test process: the portal's own settings as production reads
them (DEBUG off), with the two values a test machine has no other source for.
The processes the tests start (gunicorn, Celery) get theirs from the
environment the fixtures pass."""

import os

# A key of the tests' own; the workers the delivery tests start receive it.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k3y" * 20)
# The test client speaks plain HTTP; production redirects to HTTPS.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from portal.settings import *  # noqa: E402, F403
