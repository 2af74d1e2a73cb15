"""devcenter settings: everything from the environment, safe defaults.

With no variable set you get the embedded default of `make run`: SQLite in var/,
no Redis (Celery uses a filesystem queue), the simulated cluster. DEBUG is off unless
asked for, and then SECRET_KEY must be given.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from devcenter.env import env_bool, env_int, env_labels, env_list, env_str
from devcenter.secret_key import DEVELOPMENT_KEY, secret_key_weakness

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files (SQLite, file queue, cache); a relative path is taken from the project folder.
VAR_DIR = BASE_DIR / (env_str("DEVCENTER_VAR_DIR") or "var")

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = DEVELOPMENT_KEY
elif not DEBUG and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY {weakness}. Generate one with: python -c \"from django.core.management.utils "
        "import get_random_secret_key; print(get_random_secret_key())\""
    )

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
    "axes",
    "projects",
    "workloads",
]
# The demo data and the embedded simulated clusters (`make run`, the tests) live in the repo's
# `demo` app, which the product distribution does not ship.
if importlib.util.find_spec("demo") is not None:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    # /healthz, /readyz, /metrics: first, so probes cost no session, host check or redirect.
    "devcenter.operations.OperationsEndpointsMiddleware",
    "devcenter.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Static files are answered here, before sessions: they never carry Cache-Control: private.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the session or the database with what the client sent.
    "devcenter.middleware.RefuseNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "devcenter.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
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
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes), the same for the login page and the Django admin: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# for LOGIN_LOCKOUT_MINUTES (every new try restarts the wait). Other people on the same address,
# and the same person elsewhere, still sign in. The address is REMOTE_ADDR: behind a proxy it is
# the proxy's, so the lockout becomes per username (X-Forwarded-For could be forged to rotate it).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "devcenter.auth.lockout_response"
AXES_USERNAME_CALLABLE = "devcenter.auth.throttled_username"
# A session lasts SESSION_COOKIE_AGE seconds (12 h); unless the person ticks "Keep me signed in"
# it also ends when the browser closes (devcenter.auth.SignInView).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60, minimum=60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# STATIC_HASHED_NAMES=1 (the image sets it, after `collectstatic`): WhiteNoise serves
# compressed files under content-hashed names, cached for a year. Off by default, so `make run`
# and the tests need no `collectstatic` (the manifest would be missing).
STATIC_HASHED_NAMES = env_bool("STATIC_HASHED_NAMES", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED_NAMES
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict unless DEBUG (make run) says otherwise.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading asks browsers to use HTTPS for the domain and every subdomain, for months, even
# before their first visit; it is hard to undo, so devcenter never decides it for you. Set
# SECURE_HSTS_PRELOAD=1 or =0: until one is set, `check --deploy` warns (security.W021); a
# deliberate 0 silences that warning.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"] if env_str("SECURE_HSTS_PRELOAD") and not SECURE_HSTS_PRELOAD else []
if SECURE_HSTS_PRELOAD and SECURE_HSTS_SECONDS < 31536000:
    raise ImproperlyConfigured("SECURE_HSTS_PRELOAD needs SECURE_HSTS_SECONDS of at least 31536000 (one year)")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts and styles only from our own static files (or carrying the
# request's nonce); no inline script, no inline style attribute, no eval (htmx is configured
# for this in base.html). With DEBUG on it only reports, so Django's debug pages (inline
# styles and scripts) stay readable while violations still show in the browser console.
_CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CSP = {} if DEBUG else _CONTENT_SECURITY_POLICY
SECURE_CSP_REPORT_ONLY = _CONTENT_SECURITY_POLICY if DEBUG else {}
# The ingress controller calls the workspace forward-auth over the cluster network, often
# in plain HTTP: a redirect would read as "denied" (README "Security").
SECURE_REDIRECT_EXEMPT = [r"^auth/workspace/$"]
# Workspaces on a sibling host (ws.example.com beside devcenter.example.com) need the session
# cookie sent there too, for the forward-auth to see it: ".example.com". Unset: this host only.
SESSION_COOKIE_DOMAIN = env_str("SESSION_COOKIE_DOMAIN") or None

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
# The cluster watcher (`manage.py watch_clusters`): how often it writes the changes it saw,
# how often it reads the Cluster table again, how long one watch request lasts (the server
# ends it; the watcher watches again from where it was), and the file it touches each loop
# (a liveness probe reads its age).
WATCH_BATCH_SECONDS = env_int("WATCH_BATCH_MILLISECONDS", 250, minimum=10) / 1000
WATCH_POLL_CLUSTERS_SECONDS = env_int("WATCH_POLL_CLUSTERS_SECONDS", 10, minimum=1)
WATCH_TIMEOUT_SECONDS = env_int("WATCH_TIMEOUT_SECONDS", 300, minimum=1)
WATCH_HEARTBEAT_FILE = env_str("WATCH_HEARTBEAT_FILE") or str(VAR_DIR / "watch_clusters.heartbeat")
# How often the pages poll (seconds): after a Refresh until every cluster answered (at most
# REFRESH_WAIT_SECONDS), rows with a queued create or delete, a running workload's logs and details.
REFRESH_POLL_SECONDS = 2
REFRESH_WAIT_SECONDS = 90
IN_FLIGHT_POLL_SECONDS = 5
LOGS_POLL_SECONDS = 3
DETAILS_POLL_SECONDS = 5
# A page follows live for at most this long, then says "Live updates paused" with a button to resume.
LIVE_UPDATES_MAX_SECONDS = env_int("LIVE_UPDATES_MAX_SECONDS", 600, minimum=1)
# Lines one log box keeps while it follows (the oldest go first): the page never grows unbounded.
LOGS_MAX_LINES = 5000
WORKLOADS_PAGE_SIZES = (25, 50, 100)
WORKLOADS_MAX_PAGE_SIZE = 100
# The deepest page=N (an OFFSET of at most this many pages, for shallow links): deeper ones are
# refused with a message; Previous/Next use a keyset cursor and go as deep as the list.
WORKLOADS_MAX_PAGE = 200
# Rows of one CSV export of the Workloads page (streamed; the page states the cap).
WORKLOADS_EXPORT_MAX_ROWS = env_int("WORKLOADS_EXPORT_MAX_ROWS", 10_000, minimum=1)

# --- Workspaces (README "Security"): the ingress controller in front of them --------------
# A workspace's pods admit connections only from the controller's pods: those labelled so
# (comma-separated key=value; empty: any pod) in this namespace.
WORKSPACE_INGRESS_NAMESPACE = env_str("WORKSPACE_INGRESS_NAMESPACE", "ingress-nginx")
WORKSPACE_INGRESS_POD_LABELS = env_labels("WORKSPACE_INGRESS_POD_LABELS", "app.kubernetes.io/name=ingress-nginx")
# devcenter's /auth/workspace/ as the controller reaches it (e.g. the Service's in-cluster
# URL; its host must be in ALLOWED_HOSTS). Unset: no Ingress is made, workspaces stay closed.
WORKSPACE_AUTH_URL = env_str("WORKSPACE_AUTH_URL")
# The sign-in page as browsers reach it, where the controller sends an anonymous visitor.
WORKSPACE_SIGNIN_URL = env_str("WORKSPACE_SIGNIN_URL")
WORKSPACE_INGRESS_CLASS = env_str("WORKSPACE_INGRESS_CLASS")

# --- Operations (README "Operate") ------------------------------------------------------
# /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off (404).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# A Celery worker (which has no web server) serves its metrics on this port; 0: it does not.
METRICS_PORT = env_int("METRICS_PORT", 0, minimum=0)
# The worker touches this file every WORKER_HEARTBEAT_SECONDS from its event loop;
# `manage.py probe worker|watcher` fails when a file is older than HEARTBEAT_STALE_SECONDS.
WORKER_HEARTBEAT_FILE = env_str("WORKER_HEARTBEAT_FILE") or str(VAR_DIR / "celery_worker.heartbeat")
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 120, minimum=1)

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
