"""Settings, read from the environment. Every variable is listed in README.md."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
log = logging.getLogger("ssi_dashboard")

DEBUG = env.bool("DEBUG", default=False)

# Embedded services (ssi_dashboard/devservices.py) stand in for an unset
# DATABASE_URL / REDIS_URL only in development: DEBUG on, a checkout with
# neither configured (a fresh machine), or the test settings, which ask for
# them. Anywhere else (production names its database) a missing service stops
# start-up with one line, and importing these settings starts nothing.
EMBEDDED_SERVICES = (
    DEBUG
    or env.bool("SSI_EMBEDDED_SERVICES", default=False)
    or not (env.str("DATABASE_URL", default="") or env.str("REDIS_URL", default=""))
)
DEVELOPMENT = DEBUG or (EMBEDDED_SERVICES and not env.str("DATABASE_URL", default=""))
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for development).")
    SECRET_KEY = "development-only-not-secret"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "tracking",
    "scoring",
]

MIDDLEWARE = [
    "ssi_dashboard.requestid.RequestIdMiddleware",
    # Every error under /api/ answers in JSON, whichever layer below gave it.
    "tracking.api.errors.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, JSON and CSV exports go out gzipped (a dashboard's HTML shrinks about
    # fivefold). Below WhiteNoise, which answers static files itself, already
    # compressed; above everything that writes a response body. Against BREACH:
    # Django masks the CSRF token anew in every response and pads each gzip
    # stream by a random length (up to 100 bytes). At zlib level 2, not 6: a
    # quarter of the CPU for a sixth more bytes (ssi_dashboard/compression.py).
    "ssi_dashboard.compression.FastGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times on every page in the person's own zone (User.time_zone).
    "tracking.timezones.PersonTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Before any view (or the CSRF check) reads a body: refuses one too large by its length.
    "ssi_dashboard.bodylimit.BodySizeLimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ssi_dashboard.urls"
WSGI_APPLICATION = "ssi_dashboard.wsgi.application"

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
            ],
        },
    },
]

# Form widgets that are one tag are written without the template engine
# (ssi_dashboard/forms_renderer.py); the rest through Django's templates.
FORM_RENDERER = "ssi_dashboard.forms_renderer.FastRenderer"

# --- Services -------------------------------------------------------------
# In development, with DATABASE_URL / REDIS_URL unset (a fresh machine),
# embedded servers start on first use; see ssi_dashboard/devservices.py.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
elif EMBEDDED_SERVICES:
    from ssi_dashboard import devservices

    DATABASES = {"default": devservices.database_settings()}
else:
    raise ImproperlyConfigured(
        "Set DATABASE_URL (e.g. postgres://user:password@host:5432/ssi), or DEBUG=true for development."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    if not EMBEDDED_SERVICES:
        raise ImproperlyConfigured(
            "Set REDIS_URL (the Celery broker, e.g. redis://host:6379/0), or DEBUG=true for development."
        )
    from ssi_dashboard import devservices

    REDIS_URL = devservices.redis_url() or ""

# --- Celery ----------------------------------------------------------------
# REDIS_URL is in redis-py's form (redis://, rediss://, unix:// for a socket);
# Celery's broker names a socket redis+socket://.
CELERY_BROKER_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://") if REDIS_URL.startswith("unix://") else REDIS_URL
) or "memory://"
# Only in development: without any broker (no Redis, and none could be
# started) tasks run in-process, and the log says so.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
if CELERY_TASK_ALWAYS_EAGER:
    log.warning("No Redis available: Celery tasks run in-process (set REDIS_URL to use a worker).")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when it finished; a worker that dies mid-task hands
# it back. Prefetch 1 keeps one long recompute from holding others hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay well under the broker's visibility timeout (1 hour), so a
# task is never handed to a second worker while the first still runs it.
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
# A web process hands work to the broker inside a request: with the broker down
# it must fail fast (connect within half a second, one attempt, no sleeping
# between retries) and leave the work in the outbox (scoring/outbox.py).
# Workers reconnect on their own schedule (broker_connection_max_retries).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 0.5,
    "max_retries": 0,
}
# What a worker lost outright (SIGKILL, a lost machine) would otherwise hide
# until the visibility timeout. A running import renews a lease on its job row;
# once it lapses the job reads "interrupted" and may be run again.
SSI_IMPORT_LEASE_SECONDS = env.int("SSI_IMPORT_LEASE_SECONDS", default=60)
# A recompute request handed to the broker and not done after this long is handed over again.
SSI_RECOMPUTE_REDELIVER_SECONDS = env.int("SSI_RECOMPUTE_REDELIVER_SECONDS", default=300)
# A recompute of many people (an import) is sent as up to this many tasks, so
# that each of the worker's processes takes a share: docker-compose.yml starts
# the worker with this many (--concurrency).
SSI_RECOMPUTE_TASKS = env.int("SSI_RECOMPUTE_TASKS", default=2)
if SSI_RECOMPUTE_TASKS < 1:
    raise ImproperlyConfigured("SSI_RECOMPUTE_TASKS must be at least 1.")
# Every worker, beat or no beat, sweeps for both on start-up and this often (0: never).
SSI_WORKER_SWEEP_SECONDS = env.int("SSI_WORKER_SWEEP_SECONDS", default=30)
# Statements of background writes (imports, undos, recomputes) are cancelled by
# PostgreSQL itself past this, before the task's soft time limit, so no query
# outlives its task holding locks.
SSI_BACKGROUND_STATEMENT_TIMEOUT = env.int("SSI_BACKGROUND_STATEMENT_TIMEOUT", default=CELERY_TASK_SOFT_TIME_LIMIT - 60)
if not 0 < SSI_BACKGROUND_STATEMENT_TIMEOUT < CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"SSI_BACKGROUND_STATEMENT_TIMEOUT must be between 1 and {CELERY_TASK_SOFT_TIME_LIMIT - 1} seconds "
        "(under the tasks' soft time limit)."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# One beat table. Each entry expires just under its interval, so runs missed
# while workers were down never pile up.
# Tasks that live outside a tasks.py module.
CELERY_IMPORTS = ["scoring.outbox"]
CELERY_BEAT_SCHEDULE = {
    # Delivers recompute requests that waited out a broker outage or a lost worker
    # (every worker also does, on its own timer: SSI_WORKER_SWEEP_SECONDS).
    "scoring-flush-recompute-outbox": {
        "task": "scoring.outbox.flush_recompute_outbox",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "scoring-nightly-check": {
        "task": "scoring.tasks.nightly_check",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 23 * 60 * 60},
    },
    # Notifications run often and decide per person, in their time zone, whether
    # an email is due; the sent-log makes a repeated run send nothing new.
    "notifications-weekly-digests": {
        "task": "scoring.tasks.send_weekly_digests",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    "notifications-team-digests": {
        "task": "scoring.tasks.send_team_digests",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    "notifications-alerts": {
        "task": "scoring.tasks.send_alerts",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    "notifications-daily-reminders": {
        "task": "scoring.tasks.send_daily_reminders",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
}

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "tracking.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "scoring:home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failures for one email from one address, that pair
# waits 15 minutes. Unknown and existing accounts get the same answer. The
# email counts in its canonical (lower-case) form, so changing its case is the
# same account, not a fresh five guesses.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "tracking.identity.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email -----------------------------------------------------------------
# In development, mail (password resets) is printed on the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
# Mail goes out from the worker (tracking/mail.py); a mail server that does not
# answer is given up on after EMAIL_TIMEOUT seconds and tried again later,
# SSI_MAIL_MAX_RETRIES times, waiting SSI_MAIL_RETRY_SECONDS and doubling.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
SSI_MAIL_RETRY_SECONDS = env.int("SSI_MAIL_RETRY_SECONDS", default=60)
SSI_MAIL_MAX_RETRIES = env.int("SSI_MAIL_MAX_RETRIES", default=5)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SSI Dashboard <noreply@localhost>")
# Links in emails (unsubscribe, settings) are absolute: emails have no request to take the host from.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# --- I18n / time ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

# --- Cache ---------------------------------------------------------------------
# Pages cache nothing: they read the figures the recompute stores
# (scoring.person_summary), so every process serves the same answer.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without DEBUG, collectstatic writes content-hashed names and gzipped copies;
# whitenoise serves those compressed, with a far-future "immutable" cache
# header (WHITENOISE_MAX_AGE, 60 s by default, applies only to unhashed names).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

SSI_IMPORT_MAX_BYTES = env.int("SSI_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# LinkedIn's SSI JSON is a few kilobytes.
SSI_LINKEDIN_FILE_MAX_BYTES = env.int("SSI_LINKEDIN_FILE_MAX_BYTES", default=1024 * 1024)
# Pages that take a file, and the setting holding its largest size. Any other
# body may have DATA_UPLOAD_MAX_MEMORY_SIZE (see ssi_dashboard/bodylimit.py).
SSI_UPLOAD_LIMITS = {"/imports/upload/": "SSI_IMPORT_MAX_BYTES", "/me/imports/upload/": "SSI_IMPORT_MAX_BYTES",
                     "/entry/": "SSI_LINKEDIN_FILE_MAX_BYTES"}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- API ---------------------------------------------------------------------
# Requests per key per window (seconds), counted in Redis across all web processes.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_RATE_WINDOW = env.int("API_RATE_WINDOW", default=60)

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe health over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js sets inline styles on the elements it draws.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Every log line carries the request id (also sent back as X-Request-ID);
# LOG_FORMAT=json writes one JSON object per line for log collectors.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ssi_dashboard.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ssi_dashboard.requestid.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
