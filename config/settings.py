"""Tactique settings: one module, driven by environment variables (see `.env.example`).

Local development needs no configuration at all: `make run` provisions a PostGIS database that
matches the defaults below. Production sets `DJANGO_DEBUG=0`, `DJANGO_SECRET_KEY`,
`DJANGO_ALLOWED_HOSTS` and `DATABASE_URL`; the secret key has no default outside debug mode.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.replica import replica_database

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = (
    env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    if DEBUG
    else env("DJANGO_SECRET_KEY")
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin on our site: malformed ids answer 400 (common.adminsite.AdminSite).
    "common.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "leaflet",
    "django_htmx",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    # Background jobs, on the PostgreSQL we already run (README, "Background jobs").
    "procrastinate.contrib.django",
    # The read-only API (/api/v1/): django-ninja serves its Swagger UI and ReDoc from its own
    # static files when it is an installed app (otherwise it links to a CDN).
    "ninja",
    "common",
    "amenagements",
    "participation",
    "evaluation",
    "usage",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application itself, compressed and with hashed names, so
    # that a production deployment needs no separate file server (README, "Deployment").
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read-only requests read the replica; a write pins the browser to the primary a while.
    # Before the sessions: a session saved on the way out is a write.
    "config.replica.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "pages.context_processors.services_attention",
            ],
            # `{{ date|long_date }}` everywhere: « 1er octobre 2024 » (common.dates).
            "builtins": ["common.templatetags.dates"],
        },
    },
]

# PostGIS is required (GeoDjango). The default matches what `make run` provisions locally.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgis://tactique:tactique@127.0.0.1:5432/tactique",
    )
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before reuse: after PostgreSQL restarts (or fails over),
# the first request of each process reconnects instead of failing on a dead connection.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Pages' reads from a streaming replica, if there is one (README, "Deployment"; config/replica.py).
if replica := replica_database(
    env("DATABASE_REPLICA_URL", default=""), default=DATABASES["default"]
):
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English available; the choice is stored by Django's `set_language` view.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In production the static files are collected (`collectstatic`, done by `make serve`) with
# content-hashed names and gzip/Brotli copies, so that browsers may cache them for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In debug mode (development, tests) WhiteNoise serves the files where they are, uncollected.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Accounts (django-allauth) ------------------------------------------------------------
# Residents sign in with their email address, which they must verify before they can take part;
# publicly they are known only by the pseudonym of their profile (participation.Profile).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "participation:profile"
LOGOUT_REDIRECT_URL = "pages:map"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "participation.profiles.forms.PseudonymSignupForm"
# allauth's forms with the text rule of every form (control characters refused: common.forms).
ACCOUNT_FORMS = {
    name: f"common.accountforms.{cls}"
    for name, cls in {
        "login": "LoginForm",
        "add_email": "AddEmailForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
ACCOUNT_USER_DISPLAY = "participation.profiles.selectors.public_name"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tactique] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# The client address behind the reverse proxy for allauth's limits, and its emails as jobs.
ACCOUNT_ADAPTER = "common.accounts.AccountAdapter"
# allauth's rate limits (they live in the cache), spelled out so that they are reviewed here:
# per IP for every entrance, per key (the email address) for failed logins and resets.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Tactique <tactique@localhost>")

# --- Tactique ------------------------------------------------------------------------------
# Lengths and areas are measured in a projected CRS, never in degrees. Lambert-93 suits
# metropolitan France; an overseas deployment sets its own (e.g. 2975 for La Réunion).
TACTIQUE_METRIC_SRID = env.int("TACTIQUE_METRIC_SRID", default=2154)
# A bike counter measures the arrangements that pass within this distance of it (metres, in
# the metric CRS above); the services may add or remove links by hand in the admin.
TACTIQUE_COUNTER_LINK_DISTANCE_M = env.float("TACTIQUE_COUNTER_LINK_DISTANCE_M", default=30.0)
# Public holidays are left out of the counts the evaluation compares: those of metropolitan
# France, plus a region's own when set — a `holidays` subdivision code or alias of France:
# "57" (Moselle) or "6AE" (Alsace) for Alsace-Moselle's Good Friday and St Stephen's Day,
# "974" for La Réunion… Checked at start-up (`manage.py check`).
TACTIQUE_HOLIDAY_SUBDIVISION = env("TACTIQUE_HOLIDAY_SUBDIVISION", default="")
# Background map. Leave the URL empty to show the arrangements on a plain background.
TACTIQUE_TILE_URL = env(
    "TACTIQUE_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
TACTIQUE_TILE_ATTRIBUTION = env(
    "TACTIQUE_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)
# Where the map opens when no arrangement is loaded yet (lat, lon, zoom): Lyon.
TACTIQUE_MAP_CENTER = env.list("TACTIQUE_MAP_CENTER", cast=float, default=[45.76, 4.84])
TACTIQUE_MAP_ZOOM = env.int("TACTIQUE_MAP_ZOOM", default=12)

# --- Residents' opinions (participation.contributions) ------------------------------------
# A spot pinned farther than this from the arrangement (metres) is refused rather than snapped.
TACTIQUE_PIN_MAX_DISTANCE_M = env.float("TACTIQUE_PIN_MAX_DISTANCE_M", default=50.0)
# A comment is hidden pending review once this many residents have reported it (as Decidim).
TACTIQUE_REPORT_HIDE_THRESHOLD = env.int("TACTIQUE_REPORT_HIDE_THRESHOLD", default=3)
# The group whose members moderate comments (created by the participation migrations).
TACTIQUE_MODERATORS_GROUP = "Modérateurs"
# The address the privacy page gives for questions about personal data (empty: none shown).
TACTIQUE_PRIVACY_CONTACT = env("TACTIQUE_PRIVACY_CONTACT", default="")
# The address the accessibility declaration gives to report a barrier (default: the privacy one).
TACTIQUE_ACCESSIBILITY_CONTACT = env("TACTIQUE_ACCESSIBILITY_CONTACT", default="")
# The public address of the site, for the links in emails sent outside a request (decisions).
TACTIQUE_SITE_URL = env("TACTIQUE_SITE_URL", default="http://127.0.0.1:8000")
# Rate-limit counters (allauth's and the opinion forms') live in the cache, which must be shared
# by every process for the limits to hold. The default is a table of the database we already
# run (created by `createcachetable`); `DJANGO_CACHE_URL=redis://…` uses Redis instead.
CACHES = {"default": env.cache_url("DJANGO_CACHE_URL", default="dbcache://tactique_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django culls a third of the entries past MAX_ENTRIES (300 by default), live counters
    # included: a limit far above what the expired-entry pruning job (common/tasks.py, every
    # ten minutes) lets the table reach.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 1_000_000)
# The reverse proxies whose X-Forwarded-For header is believed (addresses or networks, e.g.
# "127.0.0.1,10.0.0.0/8"). A request from any other address is known by that address alone,
# whatever header it sends. Empty (the default): the header is never believed.
TACTIQUE_TRUSTED_PROXIES = env.list("TACTIQUE_TRUSTED_PROXIES", default=[])
RATELIMIT_IP_META_KEY = "common.clientip.client_ip"

# The largest request the counts upload page takes (bytes; README, "Deployment"): a larger one
# is refused before it is read, with the limit said on the page. Keep the reverse proxy's
# limit (nginx `client_max_body_size`) at or above it.
TACTIQUE_IMPORT_MAX_BYTES = env.int("TACTIQUE_IMPORT_MAX_BYTES", default=200_000_000)

# --- Open data (opendata): /donnees/ and the read-only API /api/v1/ ------------------------
# The licence every download and API response is published under. Licence Ouverte 2.0 by
# default, the licence of French public open data (décret n° 2017-638); a city may choose ODbL.
TACTIQUE_OPEN_DATA_LICENCE = env(
    "TACTIQUE_OPEN_DATA_LICENCE", default="Licence Ouverte / Open Licence version 2.0"
)
TACTIQUE_OPEN_DATA_LICENCE_URL = env(
    "TACTIQUE_OPEN_DATA_LICENCE_URL",
    default="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
)
# Who publishes the data: the `source` of the national schemas' files.
TACTIQUE_OPEN_DATA_PUBLISHER = env("TACTIQUE_OPEN_DATA_PUBLISHER", default="Tactique")

# --- Background jobs (procrastinate) --------------------------------------------------------
# Imports, evaluations and emails run in `manage.py procrastinate worker` (started by `make
# run` and `make serve`); the jobs and their failures are kept in PostgreSQL, listed in the
# admin. Each app declares its jobs in its `tasks` module.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"
PROCRASTINATE_IMPORT_PATHS = ["common.mail"]

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": tuple(TACTIQUE_MAP_CENTER),
    "DEFAULT_ZOOM": TACTIQUE_MAP_ZOOM,
    "TILES": [(_("Map"), TACTIQUE_TILE_URL, {"attribution": TACTIQUE_TILE_ATTRIBUTION})]
    if TACTIQUE_TILE_URL
    else [],
    "RESET_VIEW": False,
}


def _tile_origin(url: str) -> list[str]:
    """The scheme and host of the tile URL, with its `{s}` subdomain turned into a wildcard."""
    if not url or "://" not in url:
        return []
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return [f"{scheme}://{host}"]


# CSP without 'unsafe-inline': our scripts are files; the only inline scripts are the ones
# django-leaflet's form widget writes, and they carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origin(TACTIQUE_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# A form without its CSRF token gets the French 403 page, not Django's English one.
CSRF_FAILURE_VIEW = "common.views.csrf_failure"

SESSION_COOKIE_SECURE = not DEBUG and env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# The load balancer asks for /healthz over plain HTTP, from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # The worker says each job it starts and ends at INFO: set DJANGO_JOBS_LOG_LEVEL=INFO to see.
    "loggers": {"procrastinate": {"level": env("DJANGO_JOBS_LOG_LEVEL", default="WARNING")}},
}

# Debian 12 ships GDAL 3.6, which cannot sandbox spatial-reference look-ups. Tactique only
# ever builds spatial references from integer EPSG codes, never from user-supplied text.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
