"""devcenter settings: everything from the environment, safe defaults.

With no variable set you get the embedded default of `make run`: SQLite in var/,
no Redis (Celery uses a filesystem queue), the simulated cluster. DEBUG is off unless
asked for, and then SECRET_KEY must be given.
"""

import importlib.util
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from devcenter.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files (SQLite, file queue, cache); a relative path is taken from the project folder.
VAR_DIR = BASE_DIR / (env_str("DEVCENTER_VAR_DIR") or "var")

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-used-only-with-DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "projects",
    "workloads",
]
# The demo data and the embedded simulated clusters (`make run`, the tests) live in the repo's
# `demo` app, which the product distribution does not ship.
if importlib.util.find_spec("demo") is not None:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "devcenter.urls"
WSGI_APPLICATION = "devcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.project_selector",
                "workloads.context_processors.polling",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'devcenter.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has a web server and a worker writing at once: WAL lets readers
    # go on during a write, IMMEDIATE takes the write lock up front (no upgrade deadlock) and
    # the timeout waits for it instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")

# Security: strict unless DEBUG (make run) says otherwise.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded default: one file-backed cache shared by the web server and the worker,
    # so locks and progress markers work across processes without Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# --- Celery -------------------------------------------------------------------------
# Reliability choices (see CONVENTIONS "Known traps"):
# - acks_late + reject_on_worker_lost: a task whose worker dies mid-run is redelivered,
#   not lost; tasks are idempotent (claimed with conditional UPDATEs) so a replay is safe.
# - prefetch 1: a worker holds one unacked task at a time, so a crash strands at most one.
# - soft < hard time limit < visibility timeout: a task is stopped before the broker
#   thinks it is lost and hands it to another worker while it still runs.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery limits must satisfy CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT "
        "< CELERY_VISIBILITY_TIMEOUT"
    )
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # Return unacked messages of dead workers sooner than kombu's default sweep: the
        # interval alone is not enough, the throttle skips 9 of 10 sweeps by default.
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
        "unacked_restore_throttle": 1,
        # Redis' own timeouts (broker_connection_timeout is not used by the Redis transport):
        # a dead or half-open broker fails a publish in seconds instead of hanging a request.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
# Redis restarts (it runs without persistence, so queued messages are lost, and it may be
# down when a person deletes or launches). The database is the source of truth, the queue
# only a wake-up call: requests queue after commit through workloads.lifecycle.queueing, which logs a
# broker failure instead of raising, and the beat task resend_lost_tasks queues again what
# is still Added/Deleting after TASK_RESEND_AFTER_SECONDS. So:
# - publishing gives up fast (two quick retries, about 0.5 s in all) rather than holding a
#   request on a dead broker; the resend makes up for it;
# - a worker retries its broker connection forever and carries on when Redis is back;
# - a task running when the connection drops finishes (not cancelled): its message is gone
#   with the restart anyway, and the tasks are idempotent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Longer than the longest wait between two runs of a retried task (back-off capped at 16 s
# for 5 retries, plus the call), so a retry that is merely waiting is not sent twice.
TASK_RESEND_AFTER_SECONDS = env_int("TASK_RESEND_AFTER_SECONDS", 60, minimum=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# --- Clusters and workloads -----------------------------------------------------------
REFRESH_INTERVAL_SECONDS = env_int("REFRESH_INTERVAL_SECONDS", 30, minimum=1)
DELETE_STUCK_AFTER_SECONDS = env_int("DELETE_STUCK_AFTER_SECONDS", 600, minimum=1)
# Rows per INSERT/UPDATE statement in bulk writes, and objects per LIST page from a cluster.
WRITE_BATCH_SIZE = env_int("WRITE_BATCH_SIZE", 500, minimum=1)
CLUSTER_LIST_PAGE_SIZE = env_int("CLUSTER_LIST_PAGE_SIZE", 500, minimum=1)
# How often the pages poll (seconds): after a Refresh until every cluster answered (at most
# REFRESH_WAIT_SECONDS), rows with a queued create or delete, a running workload's logs and details.
REFRESH_POLL_SECONDS = 2
REFRESH_WAIT_SECONDS = 90
IN_FLIGHT_POLL_SECONDS = 5
LOGS_POLL_SECONDS = 3
DETAILS_POLL_SECONDS = 5
WORKLOADS_PAGE_SIZES = (25, 50, 100)
WORKLOADS_MAX_PAGE_SIZE = 100
# Rows of one CSV export of the Workloads page (streamed; the page states the cap).
WORKLOADS_EXPORT_MAX_ROWS = env_int("WORKLOADS_EXPORT_MAX_ROWS", 10_000, minimum=1)

CELERY_BEAT_SCHEDULE = {
    "refresh-all-clusters": {
        "task": "workloads.refresh_all_clusters",
        "schedule": float(REFRESH_INTERVAL_SECONDS),
    },
    "fail-stuck-deletes": {
        "task": "workloads.fail_stuck_deletes",
        "schedule": 60.0,
    },
    "resend-lost-tasks": {
        "task": "workloads.resend_lost_tasks",
        "schedule": 60.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
