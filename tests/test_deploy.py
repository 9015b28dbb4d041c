"""Production: settings that pass Django's deployment checklist, `make serve` (gunicorn and
WhiteNoise), the health check a load balancer asks, and rate limits shared by processes."""

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib import request as urllib_request
from urllib.request import Request

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from common.tasks import cache_prune
from tests.jobs import periodic_tasks

ROOT = Path(__file__).resolve().parent.parent


def clean_environment(**variables: str) -> dict[str, str]:
    """The process environment without any Django/Tactique setting, plus `variables`.

    (Other tests set some, e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TACTIQUE_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}


def test_check_deploy_is_clean_with_production_settings():
    env = clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        DJANGO_ALLOWED_HOSTS="tactique.example.org",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_HSTS_SECONDS="31536000",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="1",
        DJANGO_HSTS_PRELOAD="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = clean_environment(DJANGO_DEBUG="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- serving in production ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def urlopen(request: str | Request, timeout: float) -> Any:
    """urllib's, for the loopback server the test started (never a file: URL)."""
    return urllib_request.urlopen(request, timeout=timeout)  # noqa: S310


def database_url() -> str:
    """The test database, for processes started by a test."""
    s = connection.settings_dict
    return f"postgis://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_make_serve_runs_gunicorn_with_compressed_hashed_static_files():
    port = free_port()
    env = clean_environment(DATABASE_URL=database_url(), PORT=str(port), WEB_CONCURRENCY="2")
    server = subprocess.Popen(  # noqa: S603 -- our own script
        [str(ROOT / "scripts" / "serve.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its gunicorn and worker stop with it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urlopen(base + "/healthz", timeout=5) as response:
                    assert json.load(response)["status"] == "ok"
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 90 s"
                time.sleep(0.5)
        with urlopen(base + "/", timeout=10) as response:
            assert response.headers["Server"].startswith("gunicorn")
            page = response.read().decode()
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the page links its stylesheet by a content-hashed name"
        asked = Request(base + stylesheet.group(1), headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urlopen(asked, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
            assert b"{" in gzip.decompress(response.read())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.django_db
def test_healthz_says_ok_then_unavailable_when_a_migration_is_missing(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    # As after deploying new code without `migrate`: the load balancer must not send traffic.
    MigrationRecorder.Migration.objects.filter(app="common", name="0001_job_failure").delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "migrations": "1 not applied",
    }


@pytest.mark.django_db(transaction=True)
def test_rate_limit_counters_in_the_database_cache_are_shared_by_processes():
    """Two processes count against one limit (3 a minute): the fourth attempt, made by the
    second process, is refused. With each process's own memory, it would not be."""
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "tactique_cache",
            }
        }
    ):
        call_command("createcachetable", verbosity=0)
    attempt = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from django_ratelimit.core import is_ratelimited\n"
        "request = RequestFactory().get('/', REMOTE_ADDR='203.0.113.7')\n"
        "for _ in range({n}):\n"
        "    print(is_ratelimited(request, group='shared', key='ip', rate='3/m', increment=True))\n"
    )
    env = clean_environment(
        DJANGO_DEBUG="1", DATABASE_URL=database_url(), DJANGO_CACHE_URL="dbcache://tactique_cache"
    )

    def run(n: int) -> list[str]:
        done = subprocess.run(  # noqa: S603 -- our own code, in our interpreter
            [sys.executable, "-c", attempt.format(n=n)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()

    assert run(3) == ["False", "False", "False"]
    assert run(1) == ["True"]


@pytest.mark.django_db
def test_expired_rate_limit_counters_are_pruned_and_live_ones_kept(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tactique_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    cache.set("rl:live", 3, timeout=60)
    cache.set("rl:old", 9, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tactique_cache SET expires = now() - interval '1 minute'"
            " WHERE cache_key LIKE %s",
            ["%rl:old"],
        )
    assert cache_prune() == 1
    assert cache.get("rl:live") == 3
    assert periodic_tasks()["cache-prune"].cron == "*/10 * * * *"


def test_the_database_cache_keeps_a_million_counters_before_culling():
    env = clean_environment(DJANGO_DEBUG="1")
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.CACHES['default']['OPTIONS']['MAX_ENTRIES'])"
    done = subprocess.run(  # noqa: S603 -- our own code, in our interpreter
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[-1] == "1000000"


# --- the Content-Security-Policy on real responses ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/comptes/login/", "/evaluations/", "/nulle-part/"])
def test_every_page_carries_a_csp_without_unsafe_inline(client, settings, path):
    settings.DEBUG = False
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["default-src"] == "'self'"
    # The nonce is there on the pages with an inline script (`test_the_nonce_…` below).
    assert directives["script-src"] == "'self'" or directives["script-src"].startswith(
        "'self' 'nonce-"
    )
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_nonce_of_the_csp_is_the_one_of_the_inline_scripts_and_changes(client, settings):
    """The staff adaptation page has django-leaflet's inline scripts: each carries the
    request's nonce, a new one for each request."""
    from tests.participation.fixtures import make_user

    settings.DEBUG = False
    slug = _an_arrangement_slug()
    client.force_login(make_user("Agente", staff=True, superuser=True))
    nonces = []
    for _ in range(2):
        response = client.get(f"/amenagements/{slug}/adapter/")
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        page = response.content.decode()
        scripts = [  # inline scripts (JSON data blocks are not run)
            attributes
            for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
            if "application/json" not in attributes
        ]
        assert scripts, "the page has inline scripts"
        assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def _an_arrangement_slug() -> str:
    import datetime as dt

    from django.contrib.gis.geos import LineString

    from amenagements import services
    from amenagements.models import Amenagement

    return services.amenagement_create(
        name="Piste CSP",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString((4.832, 45.76), (4.836, 45.76), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=services.commune_get_or_create(name="Lyon"),
    ).slug
