"""Settings for the real worker and beat of ``test_rituals_worker``: the test settings, with
every task (beat's included) sent to the test's own queue, so parallel test runs sharing
a broker never consume each other's tasks."""

import os

from tests.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["GLOCAL_TEST_QUEUE"]
