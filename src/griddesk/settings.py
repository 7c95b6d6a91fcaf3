"""GridDesk settings: one module, driven by the environment (README, "Configuration")."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from griddesk.keys import SECRET_KEY_BYTES, keyring

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("GRIDDESK_HOME", Path.cwd()))
VAR_DIR = PROJECT_DIR / "var"


def _env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = _env_bool("DEBUG", False)
# Keys live outside the database: from the environment, else generated once under var/keys/ (keys.py).
KEYS_DIR = Path(os.environ.get("GRIDDESK_KEYS_DIR", VAR_DIR / "keys"))
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if SECRET_KEY:
    SECRET_KEY_FALLBACKS = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
else:
    SECRET_KEY, *SECRET_KEY_FALLBACKS = keyring(path=KEYS_DIR / "secret", nbytes=SECRET_KEY_BYTES)
# Rule K-7: sealed identities are encrypted with the first key; the others still decrypt (rotation).
GRIDDESK_SEAL_KEYS = keyring(env="GRIDDESK_SEAL_KEYS", path=KEYS_DIR / "seal")
# Rule K-8: the audit chain is keyed (HMAC) with the first key; the others still verify.
GRIDDESK_AUDIT_KEYS = keyring(env="GRIDDESK_AUDIT_KEYS", path=KEYS_DIR / "audit")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if "testserver" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    # Django's admin on GridDesk's admin site: a confirmed TOTP device makes the code mandatory (security/).
    "griddesk.security.apps.GridDeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # its templates and static files: /api/v1/docs works offline (no CDN)
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "griddesk.security",
    "griddesk.audit",
    "griddesk.calendar",
    "griddesk.rules",
    "griddesk.orgs",
    "griddesk.grid",
    "griddesk.customers",
    "griddesk.billing",
    "griddesk.orders",
    "griddesk.outages",
    "griddesk.quality",
    "griddesk.notify",
    "griddesk.kb",
    "griddesk.analytics",
    "griddesk.business",
    "griddesk.api",
    "griddesk.console",
    "griddesk.portal",
    "griddesk.messageboard",
    "griddesk.abuse",
    "griddesk.demo",
    "griddesk.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "griddesk.security.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "griddesk.urls"
WSGI_APPLICATION = "griddesk.wsgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'griddesk.sqlite3'}")
# SQLite durability (docs/operations.md): in WAL mode NORMAL survives a crash of GridDesk (kill -9)
# but may lose the last commits if the machine itself crashes or loses power; FULL syncs the WAL at
# every commit and loses nothing acknowledged, at some cost per write. No other value is accepted.
GRIDDESK_SQLITE_SYNCHRONOUS = os.environ.get("GRIDDESK_SQLITE_SYNCHRONOUS", "NORMAL").strip().upper() or "NORMAL"
if GRIDDESK_SQLITE_SYNCHRONOUS not in {"NORMAL", "FULL"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"GRIDDESK_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {os.environ['GRIDDESK_SQLITE_SYNCHRONOUS']!r}"
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: WAL lets readers run beside the one writer; IMMEDIATE
    # transactions make writers queue on the lock instead of failing mid-way.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            f"PRAGMA journal_mode=WAL;PRAGMA synchronous={GRIDDESK_SQLITE_SYNCHRONOUS};"
            "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Test databases sit beside the database they test, so two checkouts or runs don't collide.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name("test-" + _db_file.name))}
else:
    # PostgreSQL prepares the hot paths' statements (griddesk.fastsql: server-side binding)
    # once a connection has run one 3 times; the ORM's client-bound statements are unaffected.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 3
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.Staff"
# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 hashes new and changed passwords; PBKDF2 hashes still verify and become Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "portal:home"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GRIDDESK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(VAR_DIR / "media")}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Logins (docs/security.md): a username from one address is locked out for
# GRIDDESK_LOGIN_COOLOFF_MINUTES after GRIDDESK_LOGIN_FAILURE_LIMIT wrong passwords, on the console's
# login and the admin's alike; `griddesk axes_reset` unlocks everyone, `axes_reset_username U` one.
AXES_FAILURE_LIMIT = _env_int("GRIDDESK_LOGIN_FAILURE_LIMIT", 5)
# 0 minutes: locked until an administrator unlocks it.
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("GRIDDESK_LOGIN_COOLOFF_MINUTES", 15)) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "griddesk.security.views.locked_out"
AXES_VERBOSE = False

# Sessions on a shared call-centre desk: the cookie dies with the browser, the session after
# GRIDDESK_SESSION_IDLE_MINUTES without a request, and in any case GRIDDESK_SESSION_MAX_HOURS
# (one shift) after the login (security/sessions.py).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = _env_int("GRIDDESK_SESSION_IDLE_MINUTES", 30) * 60
GRIDDESK_SESSION_MAX_AGE = _env_int("GRIDDESK_SESSION_MAX_HOURS", 12) * 3600

# Administrators with a confirmed TOTP device give its code to enter /admin/ (`griddesk otp enrol`).
OTP_TOTP_ISSUER = os.environ.get("GRIDDESK_OTP_ISSUER", "GridDesk")

# Content-Security-Policy: everything is served from this site (no CDN); inline <script> and <style>
# elements carry the per-response nonce ({% csp_nonce_attr %}); style= attributes are not allowed.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Served over HTTPS (GRIDDESK_TLS=1): plain HTTP is redirected, cookies are marked Secure and
# browsers are told (HSTS) to use HTTPS only. Behind a TLS-terminating proxy, GRIDDESK_PROXY_SSL_HEADER
# names the header the proxy sets to "https" (e.g. X-Forwarded-Proto); never set it without such a proxy.
GRIDDESK_TLS = _env_bool("GRIDDESK_TLS", False)
if os.environ.get("GRIDDESK_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["GRIDDESK_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"), "https"
    )
if GRIDDESK_TLS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env_int("GRIDDESK_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("GRIDDESK_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("GRIDDESK_HSTS_PRELOAD", True)

# The province whose service code GridDesk runs; order numbers are unique per province.
GRIDDESK_PROVINCE_CODE = os.environ.get("GRIDDESK_PROVINCE_CODE", "GD")
GRIDDESK_DEFAULT_RULESET = os.environ.get("GRIDDESK_DEFAULT_RULESET", "service-code")  # issue 3
# Orders created through the API in one server process are written in shared transactions
# at peak (orders/batching.py); "0" writes each in its own.
GRIDDESK_GROUP_COMMIT = os.environ.get("GRIDDESK_GROUP_COMMIT", "1") != "0"
# Rule C-12: the share of restored repairs drawn for a return visit (others on demand: "要求回访").
GRIDDESK_REPAIR_VISIT_SHARE = float(os.environ.get("GRIDDESK_REPAIR_VISIT_SHARE", "0.1"))

# Rule K-6 (docs/notify.md): a reminder's (催办) and a supervision item's (督办) own deadline when the
# order's rule set has no K-6/remind or K-6/supervise deadline; the daily circulated report (通报) of
# overdue ones goes out at this local hour.
GRIDDESK_REMIND_HOURS = _env_int("GRIDDESK_REMIND_HOURS", 24)
GRIDDESK_SUPERVISE_HOURS = _env_int("GRIDDESK_SUPERVISE_HOURS", 48)
GRIDDESK_CIRCULAR_HOUR = _env_int("GRIDDESK_CIRCULAR_HOUR", 8)
# The outbox (docs/notify.md): the channel adapters that deliver SMS, e-mail and WeChat messages
# (dotted paths; the default "log" adapter records the delivery and logs it), and how often the
# console's unread count and inbox look for news.
GRIDDESK_SMS_BACKEND = os.environ.get("GRIDDESK_SMS_BACKEND", "griddesk.notify.backends.LogBackend")
GRIDDESK_EMAIL_BACKEND = os.environ.get("GRIDDESK_EMAIL_BACKEND", "griddesk.notify.backends.LogBackend")
GRIDDESK_WECHAT_BACKEND = os.environ.get("GRIDDESK_WECHAT_BACKEND", "griddesk.notify.backends.LogBackend")
GRIDDESK_INBOX_POLL_SECONDS = _env_int("GRIDDESK_INBOX_POLL_SECONDS", 15)
# The dispatcher's outage board refreshes its list this often (issue 10); rule R-3: the shift leader is
# prompted to declare storm mode where this many predicted or confirmed outages are open in one unit.
GRIDDESK_BOARD_POLL_SECONDS = _env_int("GRIDDESK_BOARD_POLL_SECONDS", 5)
# Reverse proxies in front of the site (addresses or networks, comma-separated): from them, and only
# from them, the visitor's address is read from X-Forwarded-For (griddesk.abuse.services.client_ip).
GRIDDESK_TRUSTED_PROXIES = [entry.strip() for entry in os.environ.get("GRIDDESK_TRUSTED_PROXIES", "").split(",")
                            if entry.strip()]
# The website's message board (rule W-4): messages one address may post per hour (docs/portal.md).
GRIDDESK_BOARD_POSTS_PER_HOUR = _env_int("GRIDDESK_BOARD_POSTS_PER_HOUR", 5)
# A jieba user dictionary (one "word [frequency] [tag]" a line) for the knowledge-base search (docs/kb.md).
GRIDDESK_KB_USER_DICT = os.environ.get("GRIDDESK_KB_USER_DICT", "")
# docs/quality.md, "Readings": how long one raw voltage reading holds at most, in minutes
GRIDDESK_READING_CAP_MINUTES = _env_int("GRIDDESK_READING_CAP_MINUTES", 15)
GRIDDESK_STORM_PROMPT_OUTAGES = _env_int("GRIDDESK_STORM_PROMPT_OUTAGES", 10)
# The live outage analysis runs at this niceness (0: as order intake; 10: it yields the CPU to intake).
GRIDDESK_ANALYSER_NICE = _env_int("GRIDDESK_ANALYSER_NICE", 10)
# Issue 9, desk item 1: open queues and dashboards refresh their lists this often (docs/console.md).
GRIDDESK_QUEUE_POLL_SECONDS = _env_int("GRIDDESK_QUEUE_POLL_SECONDS", 10)
# Rule C-4: one ring's length; "answered within 4 rings" = 4 x this (docs/analytics.md).
GRIDDESK_RING_SECONDS = _env_int("GRIDDESK_RING_SECONDS", 5)
# Rule A-3: the default deadline of a rectification item, in working days.
GRIDDESK_RECTIFICATION_WORKING_DAYS = _env_int("GRIDDESK_RECTIFICATION_WORKING_DAYS", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # the log adapter's deliveries (docs/notify.md) show in the server's log
    "loggers": {"griddesk.notify": {"level": os.environ.get("GRIDDESK_NOTIFY_LOG_LEVEL", "INFO")}},
}

# The public site (docs/portal.md): one-time codes sent by SMS for the progress and bills queries
# (valid GRIDDESK_PORTAL_CODE_MINUTES, GRIDDESK_PORTAL_CODE_ATTEMPTS wrong entries at most; codes asked
# for per address and per order or account per hour), the shortest time a "send code" answer takes
# (existing and unknown numbers answer alike), and how long a satisfaction link works (rule C-12).
GRIDDESK_PORTAL_CODE_MINUTES = _env_int("GRIDDESK_PORTAL_CODE_MINUTES", 10)
GRIDDESK_PORTAL_CODE_ATTEMPTS = _env_int("GRIDDESK_PORTAL_CODE_ATTEMPTS", 5)
GRIDDESK_PORTAL_CODES_PER_IP_HOUR = _env_int("GRIDDESK_PORTAL_CODES_PER_IP_HOUR", 10)
GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR = _env_int("GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR", 3)
GRIDDESK_PORTAL_CHECKS_PER_IP_HOUR = _env_int("GRIDDESK_PORTAL_CHECKS_PER_IP_HOUR", 30)
GRIDDESK_PORTAL_CODE_MIN_SECONDS = float(os.environ.get("GRIDDESK_PORTAL_CODE_MIN_SECONDS", "0.4"))
GRIDDESK_SATISFACTION_LINK_DAYS = _env_int("GRIDDESK_SATISFACTION_LINK_DAYS", 7)
# The public site's address, for links sent by SMS (the satisfaction link); empty: a path only.
GRIDDESK_PUBLIC_URL = os.environ.get("GRIDDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# API tokens (docs/api.md): the lifetime of a token issued or rotated without --days, and the longest
# one may ask for without --allow-long-lifetime.
GRIDDESK_API_TOKEN_DAYS = int(os.environ.get("GRIDDESK_API_TOKEN_DAYS", "90"))
GRIDDESK_API_TOKEN_MAX_DAYS = int(os.environ.get("GRIDDESK_API_TOKEN_MAX_DAYS", "365"))

# The public site's forms (docs/portal.md): attempts per IP address and per phone number in a window
# of GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES (counted in the database, griddesk/abuse), and the uploads' limits.
GRIDDESK_PORTAL_IP_LIMIT = _env_int("GRIDDESK_PORTAL_IP_LIMIT", 20)
GRIDDESK_PORTAL_PHONE_LIMIT = _env_int("GRIDDESK_PORTAL_PHONE_LIMIT", 5)
GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES = _env_int("GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES", 60)
GRIDDESK_PORTAL_UPLOAD_MAX_BYTES = _env_int("GRIDDESK_PORTAL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
GRIDDESK_PORTAL_UPLOAD_MAX_FILES = _env_int("GRIDDESK_PORTAL_UPLOAD_MAX_FILES", 3)
