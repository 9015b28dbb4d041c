"""The tiny test override: a fixed key, fast password hashing, no background tiles."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("TACTIQUE_TILE_URL", "")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each test process keeps its rate-limit counters in memory, emptied before each test (the
# database cache of production is tested on its own, across processes, in tests/config).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Static files as in development, whatever DJANGO_DEBUG says: served where they are, by name
# (the production storage needs `collectstatic` first; tests/test_deploy.py runs it).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Connections closed after each request and job, as before persistent connections: the
# worker threads of the job tests must not hold the test database open at its teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# No replica unless a test starts one (tests/config/test_replica.py), whatever the environment.
DATABASES.pop("replica", None)  # noqa: F405
