"""Test settings: production mode (DEBUG off) with test-only secrets and plain HTTP."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Quotas are tested explicitly (test_api); elsewhere they must not throttle the suite.
for quota in ("API_THROTTLE_ANON", "API_THROTTLE_USER", "API_THROTTLE_UNIT"):
    os.environ.setdefault(quota, "100000/min")
os.environ.setdefault("GLOCAL_VAR_DIR", tempfile.mkdtemp(prefix="glocal-test-"))
# A few hundred demo accounts keep seed_demo (run by tests) quick; the demo seeds 5,000.
os.environ.setdefault("GLOCAL_SEED_ACCOUNTS", "300")

from glocal.settings import *  # noqa: E402,F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file (not in-memory) test database, so a real worker process can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# One broker queue per test session (inherited by worker subprocesses through the
# environment), so messages of earlier runs on a shared Redis are never consumed.
CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault(
    "GLOCAL_TEST_QUEUE", f"test-{os.getpid()}-{os.urandom(3).hex()}"
)
# The campaign family queues hang off the private queue too (inherited by workers).
CAMPAIGNS_QUEUE_PREFIX = os.environ.setdefault(
    "CAMPAIGNS_QUEUE_PREFIX", f"{CELERY_TASK_DEFAULT_QUEUE}.campaigns"
)
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE, CAMPAIGNS_QUEUE_PREFIX)  # noqa: F405
# A provider with a webhook secret, for the isolation matrix (no user credential opens it).
CAMPAIGNS_WEBHOOK_SECRETS = {"matrix": "matrix-webhook-secret"}
