"""Settings for bpjs-desa, read from the environment (and a `.env` file beside manage.py)."""

from email.utils import getaddresses
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
)
# Variables already in the environment win over the file; ENV_FILE names another file.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env("DEBUG")
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-only-for-debug")
else:
    # Required when DEBUG is off: a missing key is an ImproperlyConfigured error at start.
    SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "admin_auto_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "csp",
    "villages",
    "enrollment",
    "campaign",
    "finance",
    # The weekly work-list digest by e-mail, and its unsubscribe links.
    "digest",
    # Background jobs: Django's Tasks API (the django-tasks backport), its database backend
    # (the queue is a table here) and the jobs app (state, progress, retries, the schedule).
    "django_tasks",
    "django_tasks_db",
    "jobs",
    # Demo and load data (load_demo, generate_load); the product's apps never import it.
    "devdata",
]

MIDDLEWARE = [
    # First: every response, a redirect or an error page too, names the request of its logs.
    "villages.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on whatever a logged-in user (or the admin) is sent.
    "villages.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "villages.middleware.SessionLifetimeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bpjs_desa.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "bpjs_desa.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# A streaming replica for the dashboards' and the API's reads (villages.routers.read_db).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["villages.routers.PrimaryReplicaRouter"]
# Connections kept between requests (CONN_MAX_AGE seconds, unless the URL's ?conn_max_age=
# says; 0 closes each at the end of its request): a dashboard served from the cache costs a
# few short queries, and opening a PostgreSQL connection for each costs more than all of them
# (docs/performance.md, "Many readers").
for _database in DATABASES.values():
    if "CONN_MAX_AGE" not in _database:
        _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: at national
# scale the dashboards' short aggregates paid 250 ms of compiling to save a few. Off for this
# application's connections (a URL's own ?options= wins). The person search's word
# similarity (villages.selectors.persons_by_name) finds a one-letter typo at 0.5, not at
# pg_trgm's default 0.6.
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {}).setdefault(
            "options", "-c jit=off -c pg_trgm.word_similarity_threshold=0.5"
        )
# The dashboards' cache (enrollment.page_cache): the data part of a page per data version.
# By default in each process's memory, bounded (about 40 KB an entry, up to 1 MB for a
# district of 300 villages or a village's long roster); CACHE_URL names another, e.g.
# filecache:///var/cache/bpjs-desa?max_entries=5000 to share it among workers
# (docs/performance.md, "Many readers", measures both).
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://dashboards?max_entries=500"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The task queue is a table of the default database (django-tasks-db): no other server, and
# every worker on every machine that reaches the database takes tasks from it
# (`manage.py db_worker`; docs/deployment.md). Jobs are queued through jobs.services.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    },
}

# An import (roster, registrations, finance) of more data rows than this is previewed and
# written by a background job with a progress bar instead of within the web request (the
# admin), or with --queue (the commands). Rows are counted before the file is read, from its
# line breaks (CSV) or row elements (XLSX): an upper bound, in milliseconds.
IMPORT_JOB_THRESHOLD_ROWS = env.int("IMPORT_JOB_THRESHOLD_ROWS", default=5000)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a login while the username is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failures lock the username out for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
# A username is locked from the address that failed: an office behind one address is not
# locked out as a whole by one forgetful colleague, and a stranger elsewhere cannot lock
# the owner out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: this many failures from one address, on any usernames, lock the
# address out for the cool-off too (villages.lockout.LockoutHandler).
LOGIN_ADDRESS_FAILURE_LIMIT = 20
AXES_HANDLER = "villages.lockout.LockoutHandler"
# The lockout ends an hour after the last failure that counted: an attempt while locked
# out (even with the right password) does not start the hour again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# Behind TRUSTED_PROXY_COUNT reverse proxies, the client's address is the N-th entry of
# X-Forwarded-For from the right (docs/deployment.md); with 0 the header is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "villages.lockout.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Sessions end after 30 minutes idle and 12 hours at most (villages.middleware), and when
# the password changes (Django's session auth hash).
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The admin's path is configurable, so it need not sit at the well-known /admin/.
ADMIN_URL = env("ADMIN_URL", default="admin/").strip("/") + "/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "enrollment:area_dashboard"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request gets 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "bpjs-desa coverage API",
    "DESCRIPTION": "Coverage of village officials by BPJS Ketenagakerjaan, area by area.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Indonesian interface by default, English through the translation machinery.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# "3.379", "Rp 16.800", "24/04/2024": Django's `id` locale with our date formats on top.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["villages.formats"]

# Production hardening: on whenever DEBUG is off. Behind a proxy that terminates TLS, set
# SECURE_SSL_REDIRECT=off and let the proxy redirect; the proxy must send X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer probes the health check over plain HTTP, straight at gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # The admin and Chart.js set style attributes; no inline script is allowed.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs: JSON lines on stderr, each with its request id (villages.log). Errors with their
# tracebacks, every 4xx and 5xx response (django.request: 403s, 404s of objects outside a
# scope), django.security and the login lockout's events (axes); errors are mailed to ADMINS.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "villages.log.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"json": {"()": "villages.log.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "json",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stderr", "mail_admins"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
# Who gets the error mails: ADMINS="Ani <ani@example.go.id>,Budi <budi@example.go.id>".
ADMINS = getaddresses([env.str("ADMINS", default="")])
ADMINS = [(name, address) for name, address in ADMINS if address]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="root@localhost")
# The mail server, for the error mails and the weekly work-list digest (digest app). Either
# EMAIL_URL=smtp+tls://user:password@mail.example.go.id:587, or EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL one by one (EMAIL_URL
# wins). With DEBUG on and no server given, mails are printed on the console instead.
_MAIL_SERVER_GIVEN = bool(env.str("EMAIL_URL", default="") or env.str("EMAIL_HOST", default=""))
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG and not _MAIL_SERVER_GIVEN
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# A mail server that does not answer stops a digest run after this many seconds, not never.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
# The sender of the digests (and of any other mail to users).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="bpjs-desa <noreply@localhost>")
# The site's address as users reach it, for the links in mails (no request to read it from):
# e.g. https://desa.example.go.id. Required to send digests when DEBUG is off.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Uploaded files (photos and minutes of outreach events). Never served from MEDIA_URL: the
# admin hands each file only to users who may see its record, so the web server must not
# publish this directory (docs/deployment.md).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
# An export of an area with more villages than this (the Desa Sadar list of a large province
# or of the country) is written by a background job into MEDIA_ROOT, and handed to the user
# who asked for it from the job's page (jobs.views); a smaller one is downloaded at once.
EXPORT_JOB_MIN_VILLAGES = env.int("EXPORT_JOB_MIN_VILLAGES", default=5000)

# The admin's filters and inlines post many fields on a village with its whole roster.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
