"""Settings shared by every environment. Everything that differs between machines comes
from the environment (see README: "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("YOKOITO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "outbox",
    "municipalities",
    "accounts",
    "notifications",
    "events",
    "search",
    "sections",
    "broadcasts",
    "trainings",
    "discussions",
    "moderation",
    "renewals",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous GETs of the public coverage outputs, answered from memory (see the module).
    "municipalities.middleware.CoverageFastPathMiddleware",
    # CSP, Permissions-Policy, no-store for signed-in pages (inside the fast path, so the
    # responses it keeps carry them too; see core/middleware.py).
    "core.middleware.SecurityHeadersMiddleware",
    # A NUL character anywhere in the request is a 400 (PostgreSQL refuses it in text).
    "core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.access.AccessPolicyMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "renewals.context_processors.banner",
                "notifications.context_processors.bell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_SQLITE, conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # web, worker and beat share one file: wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The cache is an optimisation, never a dependency: while Redis does not answer, each
    # process answers from its own memory and logs a warning (core/cache.py); allauth's
    # rate limits then count per process, they do not vanish.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yokoito",
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "RETRY_AFTER": float(os.environ.get("REDIS_RETRY_AFTER", "5")),
            },
        }
    }
else:
    # Shared by the web server, worker and beat of `make run` without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, loading request.user with the registered annotations.
    "accounts.backends.MemberModelBackend",
    "accounts.backends.MemberBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "landing"

# allauth: e-mail is the login, verification is mandatory.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[横糸] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.allauth_forms.SignupForm"}
_LOGIN_FAILED_RATE = "10/m/ip,5/5m/key"
ACCOUNT_RATE_LIMITS = {
    "login_failed": _LOGIN_FAILED_RATE,
    # Sign-up's "already registered" answer tells an address apart as a failed login
    # does, so it is limited to the same rates (accounts.allauth_forms.SignupForm).
    "signup_email_taken": _LOGIN_FAILED_RATE,
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Password reset, login by code and e-mail management never tell whether an address is
# registered (allauth sends the address a mail either way). Sign-up alone still says so
# plainly (a clear error was asked for), within the limit above.
ACCOUNT_PREVENT_ENUMERATION = True
# Login by an e-mailed code: the way in while failed passwords have locked the account.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60  # municipal mail can take a few minutes
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "横糸 Yokoito"
# Staff must have TOTP set up before the admin opens (enforced in production settings).
YOKOITO_ADMIN_REQUIRES_MFA = env_bool("ADMIN_REQUIRES_MFA", False)

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- Mail ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "横糸 事務局 <noreply@yokoito.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
STAFF_NOTIFY_EMAILS = env_list("STAFF_NOTIFY_EMAILS")
# The outbox (docs/mail.md): rows sent per batch over one connection, and how long a sender
# holds the rows it claimed before another may take them (a worker that died).
OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "200"))
OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "300"))
# Absolute base URL used in e-mails and calendar files.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
if not REDIS_URL:
    # kombu's filesystem transport fails on a missing folder: every process that publishes
    # (web, a management command, a benchmark) or consumes makes them first.
    for _folder in ("queue", "processed", "control"):
        try:
            (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only deployment uses Redis
            pass
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "outbox-sweep": {"task": "outbox.tasks.outbox_sweep", "schedule": 30.0},
    "trainings-orientations": {
        "task": "trainings.tasks.orientations_generate",
        "schedule": crontab(hour=6, minute=0),
    },
    "vetting-overdue-digest": {
        "task": "accounts.tasks.applications_overdue_notify",
        "schedule": crontab(hour=9, minute=0),
    },
    # broadcasts: reminders before followed episodes and daily digests (exactly once each).
    "broadcasts-reminders": {"task": "broadcasts.tasks.broadcast_reminders_send", "schedule": 60.0},
    "broadcasts-digests": {"task": "broadcasts.tasks.broadcast_digests_send", "schedule": 60.0},
    # events (section meetings, trainings): due reminders, exactly once via the outbox key.
    "events-reminders": {"task": "events.tasks.reminders_send", "schedule": 60.0},
    # moderation: lift penalties whose end has come; day-7 "still under review" notices.
    "moderation-sweep": {"task": "moderation.tasks.moderation_sweep", "schedule": 300.0},
    # renewals (年度更新): open cycles, the reminder due now (exactly once), lapses.
    "renewals-scan": {"task": "renewals.tasks.renewals_scan", "schedule": crontab(minute="*/15")},
    # notifications: due digests (daily 7:00 JST, weekly Monday 7:00 JST), exactly once each.
    "notifications-digests": {
        "task": "notifications.tasks.digests_send",
        "schedule": crontab(minute="*/15"),
    },
    # sections: keep meeting series topped up (concrete meetings for the next weeks).
    "sections-series-top-up": {
        "task": "sections.tasks.series_top_up",
        "schedule": crontab(minute=7),
    },
}

# --- Security (tightened further in production.py) ---------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Yokoito -------------------------------------------------------------------------------
# Applications waiting longer than this many hours are listed in the daily staff digest.
VETTING_OVERDUE_HOURS = int(os.environ.get("VETTING_OVERDUE_HOURS", "48"))
# Approve applications from trusted domains automatically (off by default).
VETTING_AUTO_APPROVE_TRUSTED = env_bool("VETTING_AUTO_APPROVE_TRUSTED", False)
# broadcasts: default length of a new episode, and how many episodes an archive page lists.
BROADCAST_DEFAULT_DURATION_MINUTES = int(os.environ.get("BROADCAST_DEFAULT_DURATION_MINUTES", "60"))
BROADCAST_ARCHIVE_PAGE_SIZE = 20
# Followed episodes in the private calendar feed: from today for this many weeks.
BROADCAST_FEED_WEEKS = int(os.environ.get("BROADCAST_FEED_WEEKS", "4"))

# Events (section meetings, trainings): the registration mechanism in `events/`.
# The personal join link opens this many minutes before the start.
EVENTS_JOIN_LINK_OPENS_MINUTES = int(os.environ.get("EVENTS_JOIN_LINK_OPENS_MINUTES", "15"))
# Default reminder offsets, in minutes before the start (24 h and 1 h).
EVENTS_REMINDER_OFFSETS_MINUTES = [
    int(m) for m in env_list("EVENTS_REMINDER_OFFSETS_MINUTES", "1440,60")
]
# How far ahead the reminder scan looks (must exceed the largest offset).
EVENTS_REMINDER_HORIZON_MINUTES = int(os.environ.get("EVENTS_REMINDER_HORIZON_MINUTES", "10080"))

# Sections: meeting series get concrete meetings this many weeks ahead (topped up hourly).
SECTIONS_SERIES_HORIZON_WEEKS = int(os.environ.get("SECTIONS_SERIES_HORIZON_WEEKS", "12"))

# Trainings (庁内研修): default reminders 1 day and 1 hour before; Friday orientations.
TRAININGS_REMINDER_OFFSETS_MINUTES = [
    int(m) for m in env_list("TRAININGS_REMINDER_OFFSETS_MINUTES", "1440,60")
]
TRAININGS_ORIENTATION_TIME = os.environ.get("TRAININGS_ORIENTATION_TIME", "19:30")
TRAININGS_ORIENTATION_CAPACITY = int(os.environ.get("TRAININGS_ORIENTATION_CAPACITY", "100"))
TRAININGS_ORIENTATION_URL = os.environ.get("TRAININGS_ORIENTATION_URL", "")
TRAININGS_PAGE_SIZE = 20

# Discussions (話題・参考Q&A): at most this many posts per member in this many seconds.
DISCUSSIONS_RATE_LIMIT = int(os.environ.get("DISCUSSIONS_RATE_LIMIT", "20"))
DISCUSSIONS_RATE_WINDOW = int(os.environ.get("DISCUSSIONS_RATE_WINDOW", "600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
