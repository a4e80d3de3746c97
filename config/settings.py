"""Settings read from the environment, with embedded defaults for a newcomer's machine.

Unset DATABASE_URL means SQLite under var/; unset CELERY_BROKER_URL means Celery tasks run in-process.
Secrets may also come from a file named by <NAME>_FILE (docker secrets).
"""

import base64
import datetime
import hashlib
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envsecret(name: str, default: str = "") -> str:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


# Three run modes, chosen by DEBUG:
# - unset (`make run` on a fresh machine): the embedded local mode. No debug pages (the project's own
#   404 and 500, never Django's URL map), but a development key, plain HTTP, and static files served
#   from the source folders, so nothing needs collecting or configuring;
# - DEBUG=true: Django's debug pages, for developers who ask for them;
# - DEBUG=false: production. SECRET_KEY is required and the HTTPS settings are on.
DEBUG = envbool("DEBUG", "false")
PRODUCTION = bool(os.environ.get("DEBUG", "").strip()) and not DEBUG
SECRET_KEY = envsecret("SECRET_KEY", "" if PRODUCTION else "dev-only-insecure-key-change-me")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "missions",
    "benchmarks",
    "elections",
    "partners",
    "reports",
    "narratives",
    # Above the domain apps: access rules, the API base, seeding and cross-app maintenance.
    "mandate",
    "accounts",
    # Above them too: the inbox, notifications and digests read every domain app.
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's chosen (or mission) language overrides LocaleMiddleware's guess.
    "mandate.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # Before any view reads the body; after the session and user, for its page (base.html).
    "config.middleware.RequestSizeLimitMiddleware",
    # A write that waited past SQLite's busy timeout: 503 "try again", not a server error.
    "config.middleware.DatabaseBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "missions.audit.AuditRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mandate.context_processors.navigation",
                "notifications.context_processors.header_counts",
            ],
            # The one date and number format (missions/formats), in every template without {% load %}.
            "builtins": ["missions.templatetags.formatting"],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    # The embedded default keeps its SQLite file in VAR_DIR: made here, so that `python manage.py migrate`
    # works on a fresh checkout without `make` (SQLite creates the file, not its folder).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mandate.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process server read while a write is under way. Each transaction takes the write lock
    # when it begins (IMMEDIATE), and a second writer waits for it (timeout: SQLite's busy timeout, seconds):
    # with SQLite's default (DEFERRED), a transaction that read first and writes second fails at once with
    # "database is locked" when another one writes meanwhile, and two concurrent edits answered 500.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", "20"),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Brute-force protection (django-axes, see accounts/lockout.py): failures are counted in the database, so all
# web processes share them, per account and separately per address. A success does not reset the count: an
# attacker with an account of their own could otherwise clear their address's count between guesses.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
# Behind a reverse proxy, set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For:
# the client address is then read from that header (and cannot be forged past the last proxy).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Two-factor authentication (django-otp, accounts/): required for the roles mandate.access.must_use_two_factor
# names, optional for everyone else. Only the test settings turn the check off (tests/test_two_factor.py on).
TWO_FACTOR_ENFORCED = True
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Mandate")
# The demo users that must use 2FA (seed_demo) get an authenticator with this published secret: add it to an
# app, or print the current code with `manage.py demo_totp` (not in production). Demo data only.
DEMO_TOTP_SECRET = os.environ.get("DEMO_TOTP_SECRET", "MAND ATED EMOT OTPS ECRE TDEM")
# Signed out after this many seconds without a request (default 8 hours); 0 turns the idle timeout off.
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", str(8 * 3600))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and number format per language: missions/formats/<lang>/formats.py (see missions/formats).
FORMAT_MODULE_PATH = ["missions.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In the container image the static files are collected at build time, outside the VAR_DIR volume,
# so a new image never serves the previous release's files from the volume.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Celery: Redis in production and CI; without a broker, tasks run in-process (eager).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, tasks run in a background thread of the web process rather than inside the request
# (config/celery.py); TASKS_IN_BACKGROUND=0 runs them inside the request instead (tests do).
TASKS_IN_BACKGROUND = CELERY_TASK_ALWAYS_EAGER and envbool("TASKS_IN_BACKGROUND", "1")
# The queue tasks go to unless they name one (a worker started with -Q for tests sets its own).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged only when it finishes, and given back if its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "240")
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "300")
# Must exceed the hard time limit, or Redis redelivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", "600")}
CELERY_WORKER_MAX_MEMORY_PER_CHILD = envint("CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB", "1000000")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A report still "running" this long after its attempt started has lost its worker (the hard time limit
# would have ended a live one): beat queues it again within a minute of that (and the page offers a retry),
# instead of waiting for the broker to redeliver the task after its visibility timeout.
# A delivery the broker hands back after its visibility timeout means the run died too, hence the minimum.
REPORT_STALL_SECONDS = envint(
    "REPORT_STALL_SECONDS",
    str(min(CELERY_TASK_TIME_LIMIT + 60, CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])),
)
CELERY_BEAT_SCHEDULE = {
    # Reminders, then digests in each user's time zone (both idempotent: running twice sends nothing twice).
    "notifications-hourly": {"task": "notifications.tasks.hourly", "schedule": crontab(minute=5)},
    "monthly-progress-reports": {
        "task": "reports.tasks.generate_scheduled_reports",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "stalled-reports": {"task": "reports.tasks.requeue_stalled_reports", "schedule": 60.0},
    # The same rule for import jobs (missions.pipeline.import_jobs_release_stalled).
    "stalled-imports": {"task": "missions.tasks.release_stalled_import_jobs", "schedule": 60.0},
}

# One cache for every process (API throttles, rate counts): Redis when REDIS_URL or the broker is set. The
# local-memory cache, one per process, only on the embedded default where there is a single process.
REDIS_URL = os.environ.get("REDIS_URL", "") or CELERY_BROKER_URL
if REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "mandate"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    # The token class comes first: DRF answers a request without credentials with the first class's
    # WWW-Authenticate header, so scripts get 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "missions.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.rest.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.rest.Pagination",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.rest.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Scripts (token requests) are throttled per token; people using the browsable API are not.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.rest.TokenBurstThrottle",
        "config.rest.TokenSustainedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token_burst": os.environ.get("API_TOKEN_RATE_BURST", "240/minute"),
        "token_sustained": os.environ.get("API_TOKEN_RATE_SUSTAINED", "10000/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The schema and the docs page need a signed-in user; API_DOCS_PUBLIC=true publishes them (config/schema.py).
API_DOCS_PUBLIC = envbool("API_DOCS_PUBLIC", "false")
SPECTACULAR_SETTINGS = {
    "TITLE": "Mandate API",
    "DESCRIPTION": _(
        "Mission planning and tracking for peace operations. Authenticate with a session (this page) or "
        "`Authorization: Bearer <key>` with a token from the 'API tokens' page. Updates send the version they "
        "start from (`If-Match` with the ETag, or a `version` field): 428 without it, 412 when it is stale. "
        'Every error is `{"detail": ..., "errors": {field: [messages]}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to the public swagger.io validator: the docs must work on a mission LAN without internet.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "config.schema.get_lib_doc_excludes",
    # One name per choice set used by several fields (or under a field name used for other sets).
    "ENUM_NAME_OVERRIDES": {
        "ElectoralPhaseEnum": "elections.models.Phase",
        "ElectionRiskLevelEnum": "elections.models.RiskLevel",
        "ComponentKindEnum": "missions.models.Component.Kind",
        "ReportKindEnum": "reports.models.ReportKind",
        "RiskKindEnum": "benchmarks.models.Risk.Kind",
        "LanguageEnum": LANGUAGES,
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token, and the one JS helper that would send it
# (static/js/app.js `csrfToken`) reads it from the page, as Django documents for CSRF_COOKIE_HTTPONLY.
CSRF_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, none inline.
# The one nonce is for the browsable API's syntax-highlighting <style> (templates/rest_framework/api.html);
# DRF's own templates carry these few fixed style attributes, allowed by their hashes and nothing else.
DRF_STYLE_ATTRIBUTES = (
    "float: right; margin-right: 10px",
    "float: right",
    "border-bottom: 1px solid #e5e5e5",
    "border-bottom: 0",
    "width: 350px",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": [
            UNSAFE_HASHES,
            *(
                f"'sha256-{base64.b64encode(hashlib.sha256(v.encode()).digest()).decode()}'"
                for v in DRF_STYLE_ATTRIBUTES
            ),
        ],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Load balancers and container health probes call /healthz over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_one_line": {"()": "config.log_filters.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["forbidden_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint and fontTools narrate every rendering step at INFO.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
        # Each 403 as one line, without the traceback Django attaches (config/log_filters.py).
        "django.request": {"filters": ["forbidden_one_line"]},
    },
}

# Request and upload sizes (issue 15). A body larger than these is refused from its Content-Length, before
# it is read (config.middleware.RequestSizeLimitMiddleware): IMPORT_MAX_BYTES for a file upload (multipart),
# DATA_UPLOAD_MAX_MEMORY_SIZE for anything else (JSON, forms). Imports also bound what a workbook unpacks to.
# A national polling-station list of 200,000 rows is about 20 MB as CSV, 9 MB as XLSX unpacking to 95 MB
# (issue 10): it is read once, by a background job (missions.pipeline), never inside a web request.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(40 * 1024 * 1024))
# The API's gazetteer import answers in the request up to this many bytes of files (a few hundred areas);
# a larger one (800 districts with boundaries took 8 s) runs on the import pipeline in the background (202).
GAZETTEER_API_SYNC_MAX_BYTES = envint("GAZETTEER_API_SYNC_MAX_BYTES", str(1024 * 1024))
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", str(160 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger files wait in a temporary file, not in memory

# Email: SMTP when EMAIL_HOST is set; otherwise, on the embedded default, each mail is a file in var/mail/.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", "587")
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true")
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "20")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mandate <mandate@localhost>")
# The address of the site as people reach it, for the links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Domain settings.
ASSESSMENT_OVERDUE_DAYS = envint("ASSESSMENT_OVERDUE_DAYS", "90")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "mandate-demo-2026")
# Outside production WhiteNoise serves static files straight from the source folders (runserver itself
# serves them only with DEBUG on).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
