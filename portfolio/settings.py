"""Settings for Strategy Portfolio, driven by environment variables.

Nothing set: an embedded default (SQLite file, tasks run in-process, emails to the console) so
that `make run` works on a bare machine. Every variable is read by one of the small readers below,
which raise ImproperlyConfigured naming the variable when its value is nonsense.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development only: a fixed key is harmless while DEBUG is on and nothing is public.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of varied text")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://; got {SITE_URL!r}")

INSTALLED_APPS = [
    # The admin with the portfolio's site (scoped autocomplete, recent changes): portfolio/admin_site.py
    "portfolio.admin_apps.PortfolioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    # The product's apps, lowest layer first (pyproject.toml's import-linter contract keeps the order).
    "common",
    "accesslog.apps.AccessLogConfig",
    "authorities",
    "strategies",
    "initiatives",
    "agreements.apps.AgreementsConfig",
    "summaries.apps.SummariesConfig",
    "funding",
    "benefits.apps.BenefitsConfig",
    "risks.apps.RisksConfig",
    "reporting.apps.ReportingConfig",
    "digests.apps.DigestsConfig",
    "dashboard",
    "reference",
    "accessibility",
    "nemlogin",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "opendata",
    "webhooks.apps.WebhooksConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portfolio.middleware.RefuseNulBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # djangosaml2's own session cookie for a NemLog-in login under way (untouched otherwise).
    "djangosaml2.middleware.SamlSessionMiddleware",
    # Last, as django-axes asks: it turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"

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
                "dashboard.context_processors.dashboard",
            ],
        },
    },
]

# Database: PostgreSQL through psycopg 3 when DATABASE_URL is set, else a SQLite file.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// or sqlite:// URL; got {DATABASE_URL.split(':')[0]!r}"
        )
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["ENGINE"] = "common.db.sqlite3"
        DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "common.db.sqlite3",  # Django's, with PostgreSQL's answer to oversized integers
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Several threads of runserver and the in-process tasks write to one file.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # Tests: in memory, one per xdist worker (named, as pytest-django recognises only
            # Django's own engine as SQLite).
            "TEST": {"NAME": ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery's broker and the cache. Without it, tasks run in-process (eager).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL; got {REDIS_URL!r}")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# With no Redis the tasks run eagerly and the broker is never used; naming a host spares kombu's
# "No hostname was supplied" warning.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead broker must not hang a request for long: the change is saved and a sweep catches up.
# How long a task a worker has taken stays invisible to the others before Redis hands it out again,
# when that worker died without acknowledging it (tasks are acknowledged late). It must exceed both
# the longest run (CELERY_TASK_TIME_LIMIT) and the longest countdown a task waits for in a worker
# (a digest's retry backs off up to 30 minutes), or a task would be handed out twice while alive.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 35 * 60, minimum=CELERY_TASK_TIME_LIMIT + 1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
}
CELERY_TIMEZONE = "Europe/Copenhagen"
# Seconds a summaries recompute waits after a change, so a burst of edits becomes one run.
SUMMARY_COALESCE_SECONDS = env_int("SUMMARY_COALESCE_SECONDS", 2, minimum=0)
# Seconds the dashboard's figures and the API's lists stay in the cache (common.pagecache; 0 turns it off).
# An entry is keyed by the data version, so it is never served after a change; this only bounds memory.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=0)

# Webhooks (README: *Webhooks*). A receiver that fails this many attempts in a row is paused and the
# secretariat emailed; each attempt waits at most the timeout (seconds) to connect and for each read.
WEBHOOK_PAUSE_AFTER_FAILURES = env_int("WEBHOOK_PAUSE_AFTER_FAILURES", 10, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Seconds after a failed attempt before the next; doubling each time, at most 30 minutes.
WEBHOOK_RETRY_FIRST_SECONDS = env_int("WEBHOOK_RETRY_FIRST_SECONDS", 30, minimum=1)
# Against SSRF: when set, webhooks may point only at these host names (comma-separated); and private,
# loopback and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES (default: only
# with DEBUG, for a receiver on the developer's own machine).
WEBHOOK_ALLOWED_HOSTS = [host.lower() for host in env_list("WEBHOOK_ALLOWED_HOSTS", [])]
for _host in WEBHOOK_ALLOWED_HOSTS:
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|[0-9a-f:.]+", _host):
        raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_HOSTS must list host names (hooks.example.org); got {_host!r}")
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, closed to all but break-glass administrators when LOCAL_LOGIN=break-glass (nemlogin/backends.py).
    "nemlogin.backends.PortfolioModelBackend",
    # Only loads the sessions a NemLog-in login opened; checks no password (nemlogin/backends.py).
    "nemlogin.backends.NemLoginSessionBackend",
]
# Who may log in with a user name and password: "everyone", or "break-glass" (only superusers, the
# secretariat's break-glass administrators; everyone else logs in through NemLog-in). django-axes' lock-out applies either way.
LOCAL_LOGIN = env_str("LOCAL_LOGIN", "everyone").strip().lower()
if LOCAL_LOGIN not in {"everyone", "break-glass"}:
    raise ImproperlyConfigured(f"LOCAL_LOGIN must be everyone or break-glass; got {LOCAL_LOGIN!r}")

# NemLog-in (SAML 2.0, OIOSAML 3) through djangosaml2: on when SAML_IDP_METADATA is set (a file, or an
# https:// address of NemLog-in's metadata). The SP's key and certificate sign requests and decrypt
# assertions; the entity id defaults to the SP metadata's address (SITE_URL/saml2/metadata/).
SAML_IDP_METADATA = env_str("SAML_IDP_METADATA").strip()
SAML_SP_ENTITY_ID = env_str("SAML_SP_ENTITY_ID").strip()
SAML_SP_KEY_FILE = env_str("SAML_SP_KEY_FILE").strip()
SAML_SP_CERT_FILE = env_str("SAML_SP_CERT_FILE").strip()
SAML_ENABLED = bool(SAML_IDP_METADATA)
if SAML_ENABLED:
    if not SAML_IDP_METADATA.startswith("https://") and not Path(SAML_IDP_METADATA).is_file():
        raise ImproperlyConfigured(f"SAML_IDP_METADATA must be a readable file or an https:// address; got {SAML_IDP_METADATA!r}")
    for _name in ("SAML_SP_KEY_FILE", "SAML_SP_CERT_FILE"):
        if not globals()[_name] or not Path(globals()[_name]).is_file():
            raise ImproperlyConfigured(f"{_name} must name a readable file when SAML_IDP_METADATA is set")
    if SAML_SP_ENTITY_ID and not SAML_SP_ENTITY_ID.startswith(("https://", "http://", "urn:")):
        raise ImproperlyConfigured(f"SAML_SP_ENTITY_ID must be a URL or a URN; got {SAML_SP_ENTITY_ID!r}")
elif LOCAL_LOGIN != "everyone":
    raise ImproperlyConfigured("LOCAL_LOGIN=break-glass needs NemLog-in: set SAML_IDP_METADATA too")
SAML_CONFIG_LOADER = "nemlogin.config.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_LOGOUT_REQUEST_PREFERRED_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_SESSION_COOKIE_NAME = "saml_session"
# NemLog-in answers with a cross-site POST, which carries only SameSite=None cookies (secure ones,
# so only over https); in development (http) the test IdP is same-site and Lax suffices.
SAML_SESSION_COOKIE_SAMESITE = "Lax" if DEBUG else "None"
# The ACS and the logout views write the CSP themselves only through django-csp's decorators.
SAML_CSP_HANDLER = ""
# Spreadsheet imports (the admin): larger files are refused before they are read, so one preview
# never holds the database for long (on SQLite, its write lock).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 512 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500, minimum=1)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_USERNAME_CALLABLE = "portfolio.axes.attempted_username"  # cut to what its log holds

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
# The second holds Danish for django-import-export, which ships none (see its django.po).
LOCALE_PATHS = [BASE_DIR / "portfolio" / "locale", BASE_DIR / "portfolio" / "locale_vendor"]
FORMAT_MODULE_PATH = ["portfolio.formats"]  # English pages write dates as the Danish ones do
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# WhiteNoise serves them: with DEBUG (runserver, the tests) straight from static/, looked up on each
# request, so nothing needs collecting; without it, from STATIC_ROOT, which collectstatic fills.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console by default; EMAIL_FILE_PATH writes files instead; EMAIL_HOST means SMTP.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Strategiportefølje <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Health thresholds, after Statens It-råd's traffic-light rules for state IT projects.
HEALTH_SCHEDULE_YELLOW_MONTHS = env_int("HEALTH_SCHEDULE_YELLOW_MONTHS", 1, minimum=0)
HEALTH_SCHEDULE_RED_MONTHS = env_int("HEALTH_SCHEDULE_RED_MONTHS", 3, minimum=0)
HEALTH_COST_RED_PERCENT = env_int("HEALTH_COST_RED_PERCENT", 10, minimum=0)
HEALTH_COST_RED_DKK = env_int("HEALTH_COST_RED_DKK", 6_000_000, minimum=0)
# The benefits light: yellow when a benefit's forecast falls short of its baseline by more than YELLOW
# per cent, red by more than RED per cent (benefits.services.assess_benefits).
HEALTH_BENEFITS_YELLOW_PERCENT = env_int("HEALTH_BENEFITS_YELLOW_PERCENT", 10, minimum=0)
HEALTH_BENEFITS_RED_PERCENT = env_int("HEALTH_BENEFITS_RED_PERCENT", 25, minimum=0)
if HEALTH_BENEFITS_YELLOW_PERCENT > HEALTH_BENEFITS_RED_PERCENT:
    raise ImproperlyConfigured("HEALTH_BENEFITS_YELLOW_PERCENT must not exceed HEALTH_BENEFITS_RED_PERCENT")
if HEALTH_SCHEDULE_YELLOW_MONTHS > HEALTH_SCHEDULE_RED_MONTHS:
    raise ImproperlyConfigured(
        "HEALTH_SCHEDULE_YELLOW_MONTHS must not exceed HEALTH_SCHEDULE_RED_MONTHS"
    )

# Production hardening; `manage.py check --deploy` passes when DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # the language switch and forms read nothing from it in JS
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer's health check speaks plain HTTP to the server behind it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The API (/api/v1/, api/): personal tokens (knox: stored as a hash, shown once, with an expiry) or the
# browser's session; every request sees and changes what the same user may in the admin.
API_TOKEN_DAYS_CHOICES = (30, 90, 365)
API_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE", "600/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # each token's expiry is chosen when it is made (API_TOKEN_DAYS_CHOICES)
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Strategy Portfolio API",
    "DESCRIPTION": (
        "The joint public-sector digital strategies' portfolio: strategies, authorities, initiatives with "
        "health and risk, their dependencies and what a delay would hit. Authenticate with a personal token "
        "(`Authorization: Token …`, made on /api/tokens/); a token reads what its user may read in the admin."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "HealthEnum": "initiatives.models.Health",
        "LevelEnum": "authorities.models.Level",
        "RiskStatusEnum": "risks.models.RiskStatus",
        "StatusEnum": "initiatives.models.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

# Open data (/open-data/, opendata/): who publishes it, under which licence, and where to write about it
# (in the DCAT-AP-DK description that Datavejviser harvests).
OPEN_DATA_PUBLISHER_DA = env_str("OPEN_DATA_PUBLISHER_DA", "Sekretariatet for den fællesoffentlige digitaliseringsstrategi")
OPEN_DATA_PUBLISHER_EN = env_str("OPEN_DATA_PUBLISHER_EN", "The secretariat of the joint public-sector digital strategy")
OPEN_DATA_LICENSE_URL = env_str("OPEN_DATA_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/")
OPEN_DATA_CONTACT_EMAIL = env_str("OPEN_DATA_CONTACT_EMAIL").strip()
if OPEN_DATA_CONTACT_EMAIL:
    try:
        EmailValidator()(OPEN_DATA_CONTACT_EMAIL)
    except ValidationError:
        raise ImproperlyConfigured(f"OPEN_DATA_CONTACT_EMAIL must be an email address; got {OPEN_DATA_CONTACT_EMAIL!r}") from None
try:
    URLValidator(schemes=["http", "https"])(OPEN_DATA_LICENSE_URL)
except ValidationError:
    raise ImproperlyConfigured(f"OPEN_DATA_LICENSE_URL must be an http(s) address; got {OPEN_DATA_LICENSE_URL!r}") from None

# Logs go to standard error, one line per record: plain text while developing, JSON (one object a line,
# with time, level, logger and message) in production, where a log shipper reads them. LOG_FORMAT overrides.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json; got {LOG_FORMAT!r}")
LOG_FORMATTERS = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        "datefmt": "%Y-%m-%dT%H:%M:%S%z",
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": LOG_FORMATTERS[LOG_FORMAT]},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces itself at INFO in every process (each manage.py command).
        "axes.apps": {"level": "WARNING"},
        # pysaml2 loads its XML schemas at import; xmlschema announces a reload at WARNING in every process.
        "xmlschema": {"level": "ERROR"},
        # WeasyPrint (the reporting PDF) logs each rendering step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # Without Redis tasks run in-process: a "Task … succeeded" line after each would be noise.
        **({} if REDIS_URL else {"celery.app.trace": {"level": "WARNING"}}),
    },
}

# The access log for personal data (accesslog/): records are kept this many months, then purged by
# beat. 13 is the floor the law sets and the database enforces (accesslog.models.MINIMUM_RETENTION_MONTHS).
ACCESS_LOG_RETENTION_MONTHS = env_int("ACCESS_LOG_RETENTION_MONTHS", 13, minimum=13)

# The accessibility statement (`/was`). Danish public-sector sites publish it with the Agency for
# Digital Government's WAS-Tool, which gives it an address on was.digst.dk; `/was` redirects there.
# Unset, `/was` shows the product's own statement. Only https: the link is on every page.
ACCESSIBILITY_STATEMENT_URL = env_str("ACCESSIBILITY_STATEMENT_URL").strip()
if ACCESSIBILITY_STATEMENT_URL:
    try:
        URLValidator(schemes=["https"])(ACCESSIBILITY_STATEMENT_URL)
    except ValidationError:
        raise ImproperlyConfigured(
            f"ACCESSIBILITY_STATEMENT_URL must be an https:// address; got {ACCESSIBILITY_STATEMENT_URL!r}"
        ) from None
# Where the product's own statement tells people to report an accessibility problem.
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL").strip()
if ACCESSIBILITY_CONTACT_EMAIL:
    try:
        EmailValidator()(ACCESSIBILITY_CONTACT_EMAIL)
    except ValidationError:
        raise ImproperlyConfigured(
            f"ACCESSIBILITY_CONTACT_EMAIL must be an email address; got {ACCESSIBILITY_CONTACT_EMAIL!r}"
        ) from None

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
