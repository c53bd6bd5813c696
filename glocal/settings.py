"""Settings for Glocal ABM, driven by the environment only.

With no environment at all the platform runs on an embedded default: a SQLite file and a
filesystem Celery broker under ``var/`` in the project, so nothing has to be installed.
Set ``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GLOCAL_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    """Read a setting, preferring ``NAME_FILE`` (a secret mounted as a file)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on-" + "x" * 16

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "guardian",
    "glocal",
    "governance",
    "accounts",
    "content",
    "campaigns",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "glocal.middleware.CurrentUnitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "glocal.urls"
WSGI_APPLICATION = "glocal.wsgi.application"
ASGI_APPLICATION = "glocal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "glocal.context_processors.tenancy",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'glocal.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share the file without
    # "database is locked" errors; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "glocal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "glocal" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

_ERRORS = "drf_standardized_errors.openapi_serializers"

# --- REST API -------------------------------------------------------------------------
API_THROTTLE_USER = env("API_THROTTLE_USER", "600/min")
API_THROTTLE_UNIT = env("API_THROTTLE_UNIT", "1200/min")
API_THROTTLE_ANON = env("API_THROTTLE_ANON", "60/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "glocal.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "glocal.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "glocal.api.throttling.AnonThrottle",
        "glocal.api.throttling.UserThrottle",
        "glocal.api.throttling.UnitThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": API_THROTTLE_ANON,
        "user": API_THROTTLE_USER,
        "unit": API_THROTTLE_UNIT,
    },
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {"ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24 * 7)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Glocal ABM API",
    "DESCRIPTION": "Regional hubs' integration API. Every list is restricted to the units "
    "the caller may see; send `X-Glocal-Unit: <unit code>` to act as one of your units.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "glocal.models.Tier",
        "RaciLettersEnum": "governance.models.raci.Letters",
        "ApprovalStatusEnum": "governance.models.approvals.ApprovalRequest.Status",
        "RitualOccurrenceStatusEnum": "governance.models.rituals.RitualOccurrence.Status",
        "AccountTierEnum": "accounts.models.accounts.Tier",
        "ImportJobKindEnum": "accounts.models.imports.ImportJob.Kind",
        "EngagementEventKindEnum": "accounts.models.engagement.EventKind",
        # open / done / cancelled: action items and translation requests share it.
        "WorkStatusEnum": "governance.models.rituals.ActionItem.Status",
        "TranslationTaskStatusEnum": "content.models.workflow.TaskStatus",
        "SpendKindEnum": "campaigns.models.budgets.SpendKind",
        "PlaybookStatusEnum": "campaigns.models.playbooks.PlaybookStatus",
        "CampaignStatusEnum": "campaigns.models.campaigns.CampaignStatus",
        "TouchStatusEnum": "campaigns.models.touches.TouchStatus",
        **{
            f"{name}Enum": f"{_ERRORS}.{name}Enum.choices"
            for name in ["ValidationError", "ClientError", "ServerError"]
            + [f"ErrorCode{code}" for code in (401, 403, 404, 405, 406, 415, 429, 500)]
        },
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
    ],
}

# --- Celery -------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # acks_late: a task whose worker dies is redelivered once this expires.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
else:
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_HEARTBEAT_INTERVAL = env_int("CELERY_HEARTBEAT_INTERVAL", 15)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 90)

# --- Security (production mode when DEBUG is off) ------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 730)

# Content translation: "human" (default: tasks for people), "libretranslate" (a self-hosted
# LibreTranslate-compatible service) or a dotted path to a provider class.
CONTENT_TRANSLATION_PROVIDER = env("CONTENT_TRANSLATION_PROVIDER", "human")
LIBRETRANSLATE_URL = env("LIBRETRANSLATE_URL", "")
LIBRETRANSLATE_API_KEY = env("LIBRETRANSLATE_API_KEY", "")
LIBRETRANSLATE_TIMEOUT = float(env("LIBRETRANSLATE_TIMEOUT", "10"))
# Draft variants: "none" (default) or "chat-completions" (an OpenAI-compatible endpoint,
# e.g. a self-hosted model server). Drafts always wait for human review.
CONTENT_DRAFT_GENERATOR = env("CONTENT_DRAFT_GENERATOR", "none")
DRAFT_LLM_URL = env("DRAFT_LLM_URL", "")
DRAFT_LLM_MODEL = env("DRAFT_LLM_MODEL", "")
DRAFT_LLM_API_KEY = env("DRAFT_LLM_API_KEY", "")
DRAFT_LLM_TIMEOUT = float(env("DRAFT_LLM_TIMEOUT", "60"))

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Campaign dispatch. Providers per channel as "channel=provider,..." (sandbox, email,
# http); every channel defaults to the sandbox outbox, so nothing reaches real people
# until configured. HTTP gateways: CAMPAIGNS_<CHANNEL>_URL and CAMPAIGNS_<CHANNEL>_TOKEN.
CAMPAIGNS_CHANNELS = (
    "email",
    "linkedin",
    "wechat",
    "whatsapp",
    "phone",
    "events",
    "webinars",
    "ads",
)
CAMPAIGNS_PROVIDERS = {
    channel.strip(): provider.strip()
    for channel, _, provider in (
        item.partition("=") for item in env("CAMPAIGNS_PROVIDERS", "").split(",") if "=" in item
    )
}
CAMPAIGNS_HTTP_ENDPOINTS = {c: env(f"CAMPAIGNS_{c.upper()}_URL", "") for c in CAMPAIGNS_CHANNELS}
CAMPAIGNS_HTTP_TOKENS = {c: env(f"CAMPAIGNS_{c.upper()}_TOKEN", "") for c in CAMPAIGNS_CHANNELS}
CAMPAIGNS_HTTP_TIMEOUT = float(env("CAMPAIGNS_HTTP_TIMEOUT", "10"))
CAMPAIGNS_EMAIL_BACKEND = env(
    "CAMPAIGNS_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
CAMPAIGNS_EMAIL_TIMEOUT = float(env("CAMPAIGNS_EMAIL_TIMEOUT", "10"))
CAMPAIGNS_FROM_EMAIL = env("CAMPAIGNS_FROM_EMAIL", "marketing@localhost")
CAMPAIGNS_MESSAGE_ID_DOMAIN = env("CAMPAIGNS_MESSAGE_ID_DOMAIN", "glocal-abm.invalid")
# Signed engagement webhooks: "provider=secret,..." (HMAC-SHA256; see docs/campaigns.md).
CAMPAIGNS_WEBHOOK_SECRETS = {
    name.strip(): secret.strip()
    for name, _, secret in (
        item.partition("=")
        for item in env("CAMPAIGNS_WEBHOOK_SECRETS", "").split(",")
        if "=" in item
    )
}
CAMPAIGNS_WEBHOOK_TOLERANCE = env_int("CAMPAIGNS_WEBHOOK_TOLERANCE", 300)
# One Celery queue per channel family ("<prefix>.email", ...); a worker started without
# -Q consumes them all, or dedicate workers to a family with -Q campaigns.messaging.
CAMPAIGNS_QUEUE_PREFIX = env("CAMPAIGNS_QUEUE_PREFIX", "campaigns")
CAMPAIGNS_QUEUE_FAMILIES = ("email", "social", "messaging", "events", "ads")
CAMPAIGNS_DISPATCH_INTERVAL = float(env("CAMPAIGNS_DISPATCH_INTERVAL", "10"))
# Planning whose next chunk has not run for this long is queued again (a lost message).
CAMPAIGNS_PLANNING_STALL_SECONDS = env_int("CAMPAIGNS_PLANNING_STALL_SECONDS", 600)
CAMPAIGNS_DISPATCH_BATCH = env_int("CAMPAIGNS_DISPATCH_BATCH", 10000)
CAMPAIGNS_UNIT_QUOTA = env_int("CAMPAIGNS_UNIT_QUOTA", 2500)
CAMPAIGNS_SEND_BATCH = env_int("CAMPAIGNS_SEND_BATCH", 500)
CAMPAIGNS_CLAIM_SECONDS = env_int("CAMPAIGNS_CLAIM_SECONDS", 300)
# Claimed touches waiting per channel family at most (back-pressure on the dispatcher).
CAMPAIGNS_MAX_IN_FLIGHT = env_int("CAMPAIGNS_MAX_IN_FLIGHT", 10000)
CAMPAIGNS_MAX_ATTEMPTS = env_int("CAMPAIGNS_MAX_ATTEMPTS", 5)
CAMPAIGNS_RETRY_SECONDS = env_int("CAMPAIGNS_RETRY_SECONDS", 60)
CAMPAIGNS_WECHAT_MONTHLY_QUOTA = env_int("CAMPAIGNS_WECHAT_MONTHLY_QUOTA", 4)

# Contextual benchmarks, forecasts and reallocation suggestions (docs/analytics.md).
# Share (percent) of a unit's own trailing history in its benchmark, the rest being its
# market standard; how many earlier periods that history covers; the fewest local units
# a global median is shown over (fewer would expose single teams' figures).
ANALYTICS_BENCHMARK_HISTORY_WEIGHT = env_int("ANALYTICS_BENCHMARK_HISTORY_WEIGHT", 50)
ANALYTICS_BENCHMARK_TRAILING_PERIODS = env_int("ANALYTICS_BENCHMARK_TRAILING_PERIODS", 4)
ANALYTICS_MEDIAN_MIN_UNITS = env_int("ANALYTICS_MEDIAN_MIN_UNITS", 3)
if not 0 <= ANALYTICS_BENCHMARK_HISTORY_WEIGHT <= 100:
    raise ImproperlyConfigured("ANALYTICS_BENCHMARK_HISTORY_WEIGHT is a percentage (0-100)")
if ANALYTICS_BENCHMARK_TRAILING_PERIODS < 1:
    raise ImproperlyConfigured("ANALYTICS_BENCHMARK_TRAILING_PERIODS must be 1 or more")
# Quarters a forecast is back-tested on; the most (percent) of a market's budget one
# reallocation suggestion moves.
ANALYTICS_FORECAST_BACKTEST_QUARTERS = env_int("ANALYTICS_FORECAST_BACKTEST_QUARTERS", 4)
ANALYTICS_REALLOCATION_MAX_SHARE = env_int("ANALYTICS_REALLOCATION_MAX_SHARE", 20)
if not 0 < ANALYTICS_REALLOCATION_MAX_SHARE <= 100:
    raise ImproperlyConfigured("ANALYTICS_REALLOCATION_MAX_SHARE is a percentage (1-100)")


def celery_queues(default: str, prefix: str) -> list[Queue]:
    """The default queue and the campaign family queues: what a plain worker consumes."""
    return [Queue(default), *(Queue(f"{prefix}.{f}") for f in CAMPAIGNS_QUEUE_FAMILIES)]


CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE, CAMPAIGNS_QUEUE_PREFIX)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "glocal@localhost")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
