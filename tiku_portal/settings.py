"""One settings module for every environment.

Every value comes from an environment variable with a default that works on a
developer machine: no variables set means SQLite, eager Celery tasks, files on
local disk and email printed to the console. README.md lists every variable.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


class _SecretFiles(environ.FileAwareMapping):
    """NAME_FILE (a Docker secret) is read instead of NAME; its trailing newline is not the value."""

    def __getitem__(self, key):
        return super().__getitem__(key).rstrip("\r\n")


class _Env(environ.Env):
    ENVIRON = _SecretFiles()


# Every variable, secrets included, may also come from a file named by NAME_FILE.
env = _Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY)
# Django's own deploy check asks for 50 characters with at least 5 different ones.
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise environ.ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) must be set to a random value of at least 50 characters"
        " when DEBUG is off"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "accounts",
    "catalog",
    # Project-wide management commands (backup, restore).
    "tiku_portal",
    "outbox",
    "applications",
    "documents",
    "reviews",
    "audit",
    "projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication: /healthz must not need the database to answer.
    "tiku_portal.health.HealthzMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view: refuses input no page can use (NUL bytes, bodies too big); after the
    # user is known, so its pages keep the user's menus.
    "tiku_portal.middleware.InputGuardMiddleware",
    "tiku_portal.middleware.PrivatePagesMiddleware",
    "tiku_portal.middleware.NotAllowedPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tiku_portal.urls"
WSGI_APPLICATION = "tiku_portal.wsgi.application"

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
                "tiku_portal.context_processors.portal",
            ],
        },
    },
]

if "DATABASE_URL" not in env:
    # The SQLite default lives in var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Opening a PostgreSQL connection costs about 9 ms, most of a small page: in production each
# worker keeps its connection, checked before reuse. The dev server's threads would leak them.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# SQLite behind a web server: readers never block the writer (WAL), a writer waits for the
# lock instead of failing at once (timeout, seconds), and a transaction takes the write lock
# when it begins (IMMEDIATE): a deferred one that reads, then writes, fails with "database is
# locked" without waiting when another writer got in between.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": env.int("SQLITE_TIMEOUT", default=20),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that does not answer fails a connection attempt instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lock an account+address pair after repeated failures, for a while.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The login form posts the email as "username"; Axes would otherwise look for "email".
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Login and the lockout fold the typed e-mail the same way (accounts.auth).
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.auth.client_ip"
# Behind a reverse proxy: the request header (as in request.META, e.g. HTTP_X_FORWARDED_FOR)
# that carries the client's address, and how many proxies of ours append to it. Empty: the
# connection's own address (REMOTE_ADDR), and no header is trusted.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="").strip().upper().replace("-", "_")
if CLIENT_IP_HEADER and not CLIENT_IP_HEADER.startswith("HTTP_"):
    CLIENT_IP_HEADER = f"HTTP_{CLIENT_IP_HEADER}"
CLIENT_IP_PROXY_COUNT = env.int("CLIENT_IP_PROXY_COUNT", default=1)

# The portal speaks Simplified Chinese whatever language the browser asks for.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# One date format everywhere (docs/glossary.md): 2023年6月23日, 2023年6月23日 17:05.
FORMAT_MODULE_PATH = ["tiku_portal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Bootstrap and htmx come from npm (package.json) at set-up; never copied by hand.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    # Uploaded files are private: there is no MEDIA_URL route, only access-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("MEDIA_ROOT", default=VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
# Where `manage.py backup` (make backup) writes its folders.
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="题库申报平台 <noreply@tiku.invalid>")

# No broker configured means tasks run in-process, synchronously.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A user action never waits long for the broker: one attempt, 2 s at most, then the outbox
# sweep sends the work later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# A pool process killed mid-task (e.g. by the OOM killer) puts its task back in the queue.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Longest a render may take; a document 生成中 for longer counts as failed (重试 is offered).
DOCUMENT_TIME_LIMIT = env.int("DOCUMENT_TIME_LIMIT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task held by a worker killed outright comes back after this (Redis' default: 1 hour);
    # longer than a render's time limit, so a live render is not handed out twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * DOCUMENT_TIME_LIMIT),
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
# The outbox sweep: how often, and after how long a handed-over job counts as lost.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=20)
OUTBOX_REDISPATCH_AFTER = env.int("OUTBOX_REDISPATCH_AFTER", default=3 * DOCUMENT_TIME_LIMIT)
CELERY_BEAT_SCHEDULE = {
    # A sweep nobody ran in time is dropped: the next one does the same work.
    "outbox-sweep": {
        "task": "outbox.tasks.sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    # Daily reminders of milestone due dates (`manage.py send_milestone_reminders` does the same).
    "milestone-reminders": {
        "task": "projects.tasks.daily_reminders",
        "schedule": 24 * 3600,
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PORTAL_NAME = "浙江省技能人才评价省级题库申报平台"
# Largest accepted attachment (PDF, JPG or PNG), in megabytes.
ATTACHMENT_MAX_MB = env.int("ATTACHMENT_MAX_MB", default=10)
# Django refuses larger request bodies before our own check can explain why.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole request body above this gets the 413 page unread; a file a little over the
# attachment limit still reaches the form, which explains the limit next to the field.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_MB", default=ATTACHMENT_MAX_MB + 2) * 1024 * 1024
# Longest accepted value of one query-string parameter (search words, filters, slugs).
QUERY_VALUE_MAX_LENGTH = 1000
# Chinese pages in the portal's layout (templates/400.html, 413.html, 403_csrf.html, 500.html).
CSRF_FAILURE_VIEW = "tiku_portal.errors.csrf_failure"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health probes talk plain HTTP inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every step at INFO; keep workers' logs readable.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


# --- Issue 16: two-factor login, CSP, rate limits, sessions -------------------------------
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "security",
]
# After the messages middleware: a logged-out idle user is told why.
_AFTER = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_AFTER:_AFTER] = [
    "django_otp.middleware.OTPMiddleware",
    # Idle staff are logged out before anything else looks at the user.
    "security.sessions.IdleTimeoutMiddleware",
    "security.sessions.SessionRecordMiddleware",
    # A staff member past the password but not the second factor reaches only enrolment.
    "security.two_factor.TwoFactorMiddleware",
    "security.ratelimit.AnonymousPostLimitMiddleware",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)

# Staff (city, province, admin) must use a second factor; with DEBUG on it is only offered,
# so the demo accounts log in with their password alone.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "题库申报平台"
# Minutes without a request after which a staff session ends (applicants: browser session rules).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)

# Shared counts for rate limits: Redis in production, so every web process sees them.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
# The floor for every form a visitor can post without logging in (login, registration, ...).
RATELIMIT_ANONYMOUS_POST = env("RATELIMIT_ANONYMOUS_POST", default="30/10m")

# No inline script anywhere: pages load their behaviour from static/js. Styles may stay inline
# (style= attributes, htmx's indicator style); violations are reported to the log.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/security/csp-report/"],
    },
}
LOGGING["loggers"]["security.csp"] = {"level": "WARNING"}
# --- end of issue 16 ----------------------------------------------------------------------
