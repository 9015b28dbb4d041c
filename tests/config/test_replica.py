"""Pages read from a streaming replica: a real hot standby of the test cluster, started here.

The `replica` fixture clones the running PostgreSQL with `pg_basebackup` into a temporary
directory and starts it as a standby on a free port, for this module only. It needs root (to act
as the `postgres` user, whom the cluster trusts over its Unix socket) and the Debian PostgreSQL
binaries; without them the tests are skipped, saying why. The tests are transactional: a
replica only ever sees committed data.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import LineString
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from amenagements import services
from amenagements.models import Amenagement, Commune
from config.replica import (
    READ_YOUR_WRITES_COOKIE,
    READ_YOUR_WRITES_SECONDS,
    REPLICA,
    ReplicaRoutingMiddleware,
    replica_database,
)

PRIMARY_SOCKET_DIR = "/var/run/postgresql"
REPLAY_TIMEOUT_S = 10.0
RUNUSER = shutil.which("runuser")

Test = TypeVar("Test", bound=Callable[..., None])


def with_replica(test: Test) -> Test:
    """The test runs with the `replica` database, and may query it."""
    databases = [DEFAULT_DB_ALIAS, REPLICA]
    marked: Test = pytest.mark.usefixtures("replica")(
        pytest.mark.django_db(transaction=True, databases=databases)(test)
    )
    return marked


def run_as_postgres(*command: str | Path) -> None:
    result = subprocess.run(  # noqa: S603 -- fixed programs, arguments built here.
        [str(RUNUSER), "-u", "postgres", "--", *map(str, command)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def primary_settings(names: Sequence[str]) -> dict[str, str]:
    """The settings a hot standby must not set lower than its primary."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(names)])
        return dict(cursor.fetchall())


def wait_for_connection(url: str) -> None:
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                assert row == (True,), "the replica is not a standby"
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def replica(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """A hot standby of the test cluster, configured as the "replica" database."""
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    if os.geteuid() != 0 or RUNUSER is None:
        pytest.skip("starting a replica needs root (to run PostgreSQL as the postgres user)")
    if default["HOST"] not in ("", "localhost", "127.0.0.1", "::1"):
        pytest.skip("starting a replica needs the test database on this machine")
    with django_db_blocker.unblock():
        needed = primary_settings(
            [
                "server_version_num",
                "max_connections",
                "max_worker_processes",
                "max_wal_senders",
                "max_prepared_transactions",
                "max_locks_per_transaction",
            ]
        )
    major = int(needed.pop("server_version_num")) // 10000
    bindir = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (bindir / "pg_ctl").exists() or not (bindir / "pg_basebackup").exists():
        pytest.skip(f"the PostgreSQL {major} server binaries are not installed in {bindir}")
    if not Path(PRIMARY_SOCKET_DIR).is_dir():
        pytest.skip(f"no PostgreSQL socket in {PRIMARY_SOCKET_DIR}")

    root = Path(tempfile.mkdtemp(prefix="tactique-replica-"))
    datadir = root / "data"
    port = free_port()
    try:
        shutil.chown(root, "postgres", "postgres")
        # -R: a standby, streaming from the primary (as postgres, over the Unix socket).
        # --checkpoint=fast: do not wait for a spread checkpoint; --no-sync: a throwaway copy.
        run_as_postgres(
            bindir / "pg_basebackup",
            *("-D", datadir, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
            *("-h", PRIMARY_SOCKET_DIR, "-p", str(default["PORT"] or 5432)),
        )
        # Debian keeps the configuration in /etc, outside the data directory that was copied.
        config = {
            "port": str(port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{root}'",
            "hot_standby": "on",
            "shared_buffers": "'16MB'",
            "fsync": "off",
            **needed,
        }
        (datadir / "postgresql.conf").write_text(
            "".join(f"{name} = {value}\n" for name, value in config.items())
        )
        (datadir / "pg_hba.conf").write_text(
            "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )
        (datadir / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(datadir / name, "postgres", "postgres")
        log = root / "log"
        try:
            run_as_postgres(bindir / "pg_ctl", "-D", datadir, "-l", log, "-w", "-t", "30", "start")
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log.read_text() if log.exists() else ''}") from None
        user, password = quote(default["USER"]), quote(default["PASSWORD"])
        url = f"postgis://{user}:{password}@127.0.0.1:{port}/{quote(default['NAME'])}"
        wait_for_connection(url.replace("postgis://", "postgresql://", 1))
        entry = replica_database(url, default=default)
        assert entry is not None
        connections.settings[REPLICA] = entry
        django_settings.DATABASES[REPLICA] = entry  # the same dict, unless overridden
        yield
    finally:
        if REPLICA in connections.settings:
            connections[REPLICA].close()
            del connections[REPLICA]
        connections.settings.pop(REPLICA, None)
        django_settings.DATABASES.pop(REPLICA, None)
        if (datadir / "postmaster.pid").exists():
            run_as_postgres(bindir / "pg_ctl", *("-D", datadir, "-m", "immediate", "stop"))
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def routed() -> Iterator[None]:
    """The router and its middleware, wired as config/settings.py should (see README)."""
    middleware = list(django_settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "config.replica.ReplicaRoutingMiddleware",
    )
    with override_settings(
        DATABASE_ROUTERS=["config.replica.ReplicaRouter"], MIDDLEWARE=middleware
    ):
        yield


def wait_for_replay() -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone() == (True,):
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.02)


@dataclass
class Queries:
    primary: list[str]
    replica: list[str]


@contextmanager
def captured() -> Iterator[Queries]:
    """The SQL run on each database meanwhile (filled in on leaving the block)."""
    queries = Queries(primary=[], replica=[])
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield queries
    queries.primary[:] = [query["sql"] for query in primary.captured_queries]
    queries.replica[:] = [query["sql"] for query in replica.captured_queries]


def arrangement(name: str) -> Amenagement:
    return services.amenagement_create(
        name=name,
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString((4.832, 45.76), (4.836, 45.76), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=services.commune_get_or_create(name="Lyon"),
        opened_on=dt.date(2020, 5, 11),
    )


def page(amenagement: Amenagement) -> str:
    return reverse("pages:amenagement", kwargs={"slug": amenagement.slug})


def staff_client() -> Client:
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    client = Client()
    client.force_login(user)
    return client


@with_replica
def test_a_page_is_read_on_the_replica(client: Client) -> None:
    amenagement = arrangement("Rue de la Réplique")
    wait_for_replay()
    with captured() as queries:
        response = client.get(page(amenagement))
    assert response.status_code == 200
    assert "Rue de la Réplique" in response.content.decode()
    assert queries.replica
    assert all(sql.startswith("SELECT") for sql in queries.replica)
    assert queries.primary == []
    assert READ_YOUR_WRITES_COOKIE not in response.cookies


@with_replica
def test_a_form_writes_on_the_primary_and_its_author_then_reads_the_primary() -> None:
    amenagement = arrangement("Rue des Potelets")
    staff = staff_client()
    with captured() as queries:
        response = staff.post(
            reverse("amenagements:adapt", args=[amenagement.slug]),
            {"date": "2021-01-01", "kind": "separated", "description": "Potelets posés."},
        )
    assert response.status_code == 302
    assert queries.replica == []
    assert any(sql.startswith("INSERT") for sql in queries.primary)
    assert response.cookies[READ_YOUR_WRITES_COOKIE]["max-age"] == READ_YOUR_WRITES_SECONDS

    # The page the form redirects to, at once: the replica may not have the adaptation yet.
    with captured() as queries:
        response = staff.get(response["Location"])
    assert "Potelets posés." in response.content.decode()
    assert queries.replica == []
    assert queries.primary

    # Another visitor reads the replica, which has it once replayed.
    wait_for_replay()
    with captured() as queries:
        response = Client().get(page(amenagement))
    assert "Potelets posés." in response.content.decode()
    assert queries.primary == []
    assert queries.replica


@with_replica
@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(lambda now: now - 1, id="expired"),
        pytest.param(lambda now: now + 3600, id="longer-than-the-window"),
        pytest.param(lambda now: "garbage", id="not-a-time"),
    ],
)
def test_a_stale_or_forged_cookie_does_not_pin_a_browser_to_the_primary(
    client: Client, cookie: Callable[[int], object]
) -> None:
    amenagement = arrangement("Rue du Cookie")
    wait_for_replay()
    client.cookies[READ_YOUR_WRITES_COOKIE] = str(cookie(int(time.time())))
    with captured() as queries:
        client.get(page(amenagement))
    assert queries.primary == []
    assert queries.replica


@with_replica
def test_a_read_only_request_that_writes_reads_the_primary_from_then_on() -> None:
    seen: dict[str, Queries] = {}

    def view(request: HttpRequest) -> HttpResponse:
        with captured() as seen["before"]:
            Commune.objects.filter(name="Bron").exists()
        with captured() as seen["write"]:
            Commune.objects.create(name="Bron", slug="bron")
        with captured() as seen["after"]:
            Commune.objects.filter(name="Bron").exists()
        return HttpResponse()

    response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert (seen["before"].primary, len(seen["before"].replica)) == ([], 1)
    assert (len(seen["write"].primary), seen["write"].replica) == (1, [])
    assert (len(seen["after"].primary), seen["after"].replica) == (1, [])
    # The next pages of this browser read the primary too.
    assert READ_YOUR_WRITES_COOKIE in response.cookies


@with_replica
def test_a_transaction_reads_the_primary() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            Commune.objects.filter(name="Bron").exists()
        return HttpResponse()

    with captured() as queries:
        ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert queries.replica == []
    assert any(sql.startswith("SELECT") for sql in queries.primary)


def test_replica_database_keeps_the_primary_engine_and_mirrors_it_under_test() -> None:
    default = {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": "tactique",
        "USER": "tactique",
        "PASSWORD": "secret",
        "HOST": "db-primary",
        "PORT": 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    assert replica_database("", default=default) is None
    assert replica_database(None, default=default) is None
    entry = replica_database("postgres://tactique:secret@db-replica:5433/tactique", default=default)
    assert entry == {
        **default,
        "HOST": "db-replica",
        "PORT": 5433,
        "OPTIONS": {},
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_every_read_goes_to_the_primary(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (The `replica` fixture may be active, for the other tests of this module.)
    monkeypatch.delitem(django_settings.DATABASES, REPLICA, raising=False)
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    amenagement = arrangement("Rue Sans Réplique")
    # Any query on "replica" would fail: this test may use "default" only.
    response = client.get(page(amenagement))
    assert "Rue Sans Réplique" in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "en"})
    assert READ_YOUR_WRITES_COOKIE not in response.cookies
