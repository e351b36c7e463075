"""Settings of the worker the delivery tests start: the portal's own settings,
read from the environment the tests pass (database, broker, SMTP, Twilio),
with the waits shortened so a test takes seconds instead of minutes."""

import os

from portal.settings import *  # noqa: F403
from portal.settings import CELERY_BROKER_TRANSPORT_OPTIONS

# As in production: no development outbox file, no SQL in the log.
DEBUG = False
# Each test session has a queue of its own on the shared Redis.
CELERY_TASK_DEFAULT_QUEUE = os.environ["PORTAL_TEST_QUEUE"]
# Retries of a transient provider error in tenths of seconds, not seconds.
TWOFACTOR_DELIVERY_RETRY_BACKOFF = 0.1
TWOFACTOR_DELIVERY_RETRY_MAX_DELAY = 0.5
# A task whose worker was killed comes back after 3 s, not 60; every task a
# test runs finishes (or is killed) well within that.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 3,
    "unacked_restore_interval": 0.5,
}
