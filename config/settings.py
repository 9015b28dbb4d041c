"""Tactique settings: one module, driven by environment variables (see `.env.example`).

Local development needs no configuration at all: `make run` provisions a PostGIS database that
matches the defaults below. Production sets `DJANGO_DEBUG=0`, `DJANGO_SECRET_KEY`,
`DJANGO_ALLOWED_HOSTS` and `DATABASE_URL`; the secret key has no default outside debug mode.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

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
    "django.contrib.admin",
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
    "amenagements",
    "participation",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            ],
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

LOGIN_URL = "admin:login"

# --- Tactique ------------------------------------------------------------------------------
# Lengths and areas are measured in a projected CRS, never in degrees. Lambert-93 suits
# metropolitan France; an overseas deployment sets its own (e.g. 2975 for La Réunion).
TACTIQUE_METRIC_SRID = env.int("TACTIQUE_METRIC_SRID", default=2154)
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

SESSION_COOKIE_SECURE = not DEBUG and env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Debian 12 ships GDAL 3.6, which cannot sandbox spatial-reference look-ups. Tactique only
# ever builds spatial references from integer EPSG codes, never from user-supplied text.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
