"""Settings of every process the many-nodes test starts (gunicorn nodes,
Celery workers, beat): one module for all of them, as production runs every
process from the same code and environment. The delivery workers' settings,
with two test-only differences."""

from tests.delivery.worker_settings import *  # noqa: F403
from tests.delivery.worker_settings import CELERY_BROKER_TRANSPORT_OPTIONS, PASSWORD_HASHERS

# The test creates its people in its own process, which hashes passwords with
# MD5 for speed (tests/fixtures.py); the nodes must accept those. Argon2id
# stays first, so the first login upgrades each hash as production would.
PASSWORD_HASHERS = [*PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]

# A killed worker's task comes back after 6 s. Long enough that no task a
# live worker runs on a loaded 2-core machine is handed out twice (a send to
# the stand-ins takes well under a second), short enough for the test's time.
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 6}
