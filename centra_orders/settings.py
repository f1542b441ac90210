"""Settings for Centra Orders, read from the environment.

Local development needs nothing set: DEBUG is on and the database is a SQLite
file. Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL
(see the README), which also turns on the HTTPS-only settings.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from centra_orders.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "backoffice.apps.BackOfficeAdminConfig",  # django.contrib.admin, opening on the board
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "orders",
    "payments",
    "shipments",
    "catalog",
    "returns",
    "backoffice",
]

MIDDLEWARE = [
    "centra_orders.logs.RequestIdMiddleware",
    # Before the host check and the HTTPS redirect: see centra_orders/health.py.
    "centra_orders.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) first; a staff member's own choice
    # replaces it once they are known (centra_orders.languages, after authentication).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A staff member's chosen language over the browser's (after LocaleMiddleware).
    "backoffice.languages.StaffLanguageMiddleware",
    # Dates in the reader's time zone (the browser's, from a cookie).
    "centra_orders.timezones.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "centra_orders.urls"

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
            # The rows of the lists that read a page first (core.admin.changelist),
            # and a change page's read-only fieldsets.
            "libraries": {
                "admin_page_rows": "core.admin.rows",
                "admin_fieldsets": "core.admin.fieldsets",
            },
        },
    },
]

WSGI_APPLICATION = "centra_orders.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection the database has dropped (restart, failover) is replaced
        # at the start of the next request instead of failing it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: the back office's queries are short, and compiling one
    # whose estimated cost passes jit_above_cost took longer than running it
    # (about 40 ms on a deep page of the orders list; docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The back office speaks English and Swedish (locale/sv/, compiled in the build); each
# staff member picks one (centra_orders.languages), otherwise the browser's applies.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One date format per language (centra_orders/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["centra_orders.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# With DEBUG off, WhiteNoise serves what collectstatic wrote: files named by a hash of
# their content (so cached for a year) and their gzip copies. With DEBUG on it serves
# the source files, so neither development nor the tests need collectstatic. (This is
# the environment's DEBUG: the test runner turns settings.DEBUG off only later.)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# `manage.py test` runs the same pytest suite as `pytest`.
TEST_RUNNER = "centra_orders.test_runner.PytestRunner"

# Behind HTTPS in production; off locally so runserver and the test client work.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# One line per record on stderr, each with its request id: text, or JSON with LOG_FORMAT=json.
LOGGING = logging_config(
    os.environ.get("LOG_FORMAT", "text").strip().lower(),
    os.environ.get("LOG_LEVEL", "WARNING").strip().upper(),
)

# Payment method (Order.payment_method) → gateway class (payments/gateways.py).
PAYMENT_GATEWAYS = {
    "test": "payments.gateways.TestGateway",
    "manual": "payments.gateways.ManualGateway",
    "invoice": "payments.gateways.ManualGateway",
    "bank_transfer": "payments.gateways.ManualGateway",
}

# The test gateway settles captures and refunds later, by its notification
# (`manage.py send_test_notifications`), for every payment (docs/payments-provider.md).
TEST_GATEWAY_SETTLES_LATER = env_bool("TEST_GATEWAY_SETTLES_LATER", False)
# Days an authorization can be captured, per "provider:method", method or provider
# (the first found); one none names never expires (payments.expiry).
AUTHORIZATION_LIFETIMES = {"test": 28}
# `manage.py hold_expiring_authorizations` holds orders whose authorization lapses
# within this many days.
EXPIRING_AUTHORIZATION_DAYS = 3

# The Checkout API's payment methods (payments.hosted): each a hosted provider's page.
CHECKOUT_PAYMENT_METHODS = [{"id": "test", "name": "Card (test provider)", "provider": "test"}]
# The test provider's signing secret (External Payment Plugin HMAC); unset, a key
# derived from SECRET_KEY (payments.hosted.secret_of_test_provider).
TEST_PROVIDER_SECRET = os.environ.get("TEST_PROVIDER_SECRET", "")

# A bulk step over more objects than this is queued and taken by the worker
# (`manage.py deliver_events`), not in the request; at most 1000 in a request.
BACKGROUND_STEP_THRESHOLD = int(os.environ.get("BACKGROUND_STEP_THRESHOLD", "1000"))

# Content-Security-Policy (django-csp 4), on in every environment so a page that
# needs more than its own static files fails in development and in the browser
# tests, not first in production. The admin's scripts, styles and images are all
# static files of this site: no inline script or style, no other origin.
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Integrations: outbox, webhooks, Order API, customer e-mails (issue 13) ---------------
# Kept in one block so it merges cleanly with other settings work.

INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
# The outbox stands below orders; integrations (delivery, API, mails) on top.
INSTALLED_APPS.insert(INSTALLED_APPS.index("orders"), "outbox")
INSTALLED_APPS += ["integrations", "storefront"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.auth.IntegrationTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.auth.IsIntegration"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Centra Orders API",
    "DESCRIPTION": "Orders, shipments and the event queue, for integrations (Bearer token).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A return's stock action is read (createReturn) and shown (a return) under two
    # field names: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {"StockActionEnum": "returns.models.StockAction"},
}

# A new or changed subscription reaches other processes within this many seconds.
OUTBOX_SUBSCRIPTION_TTL = float(os.environ.get("OUTBOX_SUBSCRIPTION_TTL", "30"))
# The whole exchange (connect, send, read the answer's head) is cut after this long.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Webhooks go over https to public addresses only (outbox/endpoints.py). Plain http
# is allowed in DEBUG and to these hosts; these networks (CIDRs) are let through
# for an on-premises receiver, e.g. "10.20.0.0/16".
WEBHOOK_HTTP_HOSTS = env_list("WEBHOOK_HTTP_HOSTS")
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS")
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
# Backoff before attempt n+1: base × 2^(n-1), capped, with jitter (integrations.retry).
WEBHOOK_BACKOFF_BASE_SECONDS = float(os.environ.get("WEBHOOK_BACKOFF_BASE_SECONDS", "30"))
WEBHOOK_BACKOFF_MAX_SECONDS = float(os.environ.get("WEBHOOK_BACKOFF_MAX_SECONDS", "21600"))

# Customer e-mails: printed to the console unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orders@example.com")
# --- end of integrations --------------------------------------------------------------------

# --- The demo shop page (issue 26, storefront/shop) -----------------------------------------
# /shop/ is served with DEBUG on, or in production when this is set; a 404 otherwise.
SHOP_PAGE = env_bool("SHOP_PAGE", False)
