"""Resilience: PostgreSQL restarts under load, and no acknowledged write is lost.

    .venv/bin/python scripts/resilience.py                    (about a minute; run as root)
    .venv/bin/python scripts/resilience.py --seconds 30 --clients 6 --keep-log /tmp/serve.log

What it shows: with `CONN_MAX_AGE` + `CONN_HEALTH_CHECKS` (config/settings.py) and the jobs'
`DATABASE_RETRY` (common/jobs.py), a restart of PostgreSQL while staff upload files and an
import job runs costs a few failed requests and nothing else:

- every upload the application acknowledged (a 302 to the import's page, /comptages/import/<pk>/)
  exists in the database afterwards, and its import ended "done" (one interrupted by the restart
  is tried again by the job's retry strategy);
- the requests that failed during the outage failed visibly (5xx or a connection error), never
  with a 302 whose run is missing;
- no run is left queued or running for ever, even one whose upload failed (no run without
  its job), and the jobs worker is still there at the end;
- the site serves again within 10 s of the restart command: an acknowledged upload and a
  `/healthz` 200, each sent after the last failure.

How, on loopback only, leaving the shared PostgreSQL cluster alone:

1. A PostgreSQL cluster of its own in a temporary folder (`initdb` as the `postgres` OS user,
   a free port, its socket in that folder, trust on 127.0.0.1), a `tactique` role and database
   with PostGIS, migrated, its cache table, a staff user holding `usage.add_importrun` and three
   counters of the source "test".
2. `scripts/serve.sh` on that database (gunicorn, 2 workers, and the jobs worker), its output in
   a log (copied to `--keep-log`). As `make serve`, it collects the static files into the tree.
3. `--clients` threads, each signed in (the admin login: it opens the same session as the
   accounts' one), upload files of counts in a loop; the first client's first file, and every
   `--big-every`-th after, is big (`--big-lines`, 200,000 by default: an import of about 3 s)
   so that an import is running at the restart. A further thread asks `/healthz` ten times a
   second.
4. After `--restart-after` seconds, once an import of a big file is running, the cluster is
   restarted (`pg_ctl restart -m fast`).
5. After `--seconds`, the uploads stop; the worker has `--drain-seconds` to finish the queue;
   then the database is checked: every acknowledged run exists and is done. A run that is not
   is shown with its job (status, attempts) and the failures recorded for it (`JobFailure`).
   The tracebacks of the server's log are summarised.
6. Whatever happens (Ctrl-C included), the server's process group is killed and the cluster
   stopped and removed.

Exits 0 when the aims are met, 1 when one is missed, 2 when the set-up itself failed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "tactique"
STAFF_USERNAME = "resilience"
STAFF_EMAIL = "resilience@example.org"
COUNTERS = ("C1", "C2", "C3")
SOURCE = "test"
AIM_RECOVERY_S = 10.0
REQUEST_TIMEOUT_S = 15.0
POST_PAUSE_S = 0.3
HEALTH_PAUSE_S = 0.1
IMPORT_URL = re.compile(r"/comptages/import/(\d+)/$")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Run in `manage.py shell`: the staff user (password from the environment) and the counters
# the uploaded files name.
SETUP_CODE = f"""
import io, os
from django.contrib.auth.models import Permission, User
from usage import services
from usage.importing import CountersFormat

user = User.objects.create_user(
    {STAFF_USERNAME!r}, email={STAFF_EMAIL!r}, password=os.environ["RESILIENCE_PASSWORD"],
    is_staff=True,
)
user.user_permissions.add(
    Permission.objects.get(content_type__app_label="usage", codename="add_importrun")
)
lines = "".join(f"{{c}},Compteur {{c}},4.83{{i}},45.76\\n" for i, c in enumerate({COUNTERS!r}))
services.counters_import(
    file=io.BytesIO(("id,name,lon,lat\\n" + lines).encode()),
    fmt=CountersFormat(),
    source={SOURCE!r},
)
"""


class SetupError(RuntimeError):
    """The cluster, the database or the server could not be set up: nothing was measured."""


def log(message: str) -> None:
    print(f"[resilience] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command of ours (5 minutes at most); its output is shown if it fails."""
    try:
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False, timeout=300, **kwargs
        )
    except subprocess.TimeoutExpired as error:
        raise SetupError(f"{' '.join(command)} did not end within 5 minutes") from error
    if result.returncode != 0:
        raise SetupError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result


# --- the cluster ------------------------------------------------------------------------------


@dataclasses.dataclass
class Cluster:
    """A PostgreSQL cluster of our own, run by the `postgres` OS user, in a temporary folder."""

    folder: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def pg_ctl(self, *args: str) -> None:
        """Run `pg_ctl` as postgres. The server's output goes to its log, never to our pipes:
        a server started by `start` or `restart` holds them open as long as it runs."""
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        run(["runuser", "-u", "postgres", "--", *command], cwd=self.folder)

    @property
    def log(self) -> Path:
        return self.folder / "postgresql.log"

    def url(self, user: str = DATABASE, database: str = DATABASE) -> str:
        return f"postgresql://{user}@{HOST}:{self.port}/{database}"

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def pg_bin() -> Path:
    versions = sorted((p for p in PG_ROOT.glob("*") if p.name.isdigit()), key=lambda p: int(p.name))
    if not versions:
        raise SetupError(f"no PostgreSQL under {PG_ROOT}")
    return versions[-1] / "bin"


def cluster_start(folder: Path) -> Cluster:
    """initdb and start a cluster in `folder` on a free port (loopback and its own socket)."""
    cluster = Cluster(folder=folder, port=free_port(), bin=pg_bin())
    shutil.chown(folder, user="postgres", group="postgres")
    initdb = [str(cluster.bin / "initdb"), "-D", str(cluster.data), "-U", "postgres"]
    options = ["--auth-local=trust", "--auth-host=trust", "-E", "UTF8", "--locale=C.UTF-8"]
    run(["runuser", "-u", "postgres", "--", *initdb, *options, "--no-sync"], cwd=folder)
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {cluster.port}\nlisten_addresses = '{HOST}'\n"
            f"unix_socket_directories = '{folder}'\nmax_connections = 100\n"
            "log_line_prefix = '%m [%p] '\n"
        )
    cluster.pg_ctl("-w", "-t", "60", "start")
    return cluster


def cluster_stop(cluster: Cluster) -> None:
    """Stop the cluster (fast, then immediate if it lingers)."""
    if not cluster.is_running():
        return
    try:
        cluster.pg_ctl("-m", "fast", "-w", "-t", "30", "stop")
    except SetupError:
        with contextlib.suppress(SetupError):
            cluster.pg_ctl("-m", "immediate", "-w", "-t", "30", "stop")


def database_create(cluster: Cluster) -> None:
    """The `tactique` role and database, with the extensions the migrations need."""
    with psycopg.connect(cluster.url("postgres", "postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {DATABASE} LOGIN PASSWORD '{DATABASE}'")
        conn.execute(f"CREATE DATABASE {DATABASE} OWNER {DATABASE}")
    with psycopg.connect(cluster.url("postgres", DATABASE), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE EXTENSION btree_gist")


# --- the application ---------------------------------------------------------------------------


def app_environment(cluster: Cluster, **variables: str) -> dict[str, str]:
    """Our environment without any Django/Tactique setting, on our cluster, plus `variables`."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TACTIQUE_", "DATABASE_"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgis://{DATABASE}:{DATABASE}@{HOST}:{cluster.port}/{DATABASE}",
        **variables,
    }


def app_prepare(cluster: Cluster, password: str) -> None:
    """Migrate, create the cache table, the staff user and the counters."""
    env = app_environment(cluster, DJANGO_DEBUG="1", RESILIENCE_PASSWORD=password)
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        run([PYTHON, "manage.py", *command], cwd=ROOT, env=env)
    run([PYTHON, "manage.py", "shell", "-c", SETUP_CODE], cwd=ROOT, env=env)


def serve_start(cluster: Cluster, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`scripts/serve.sh` on our cluster, in a session of its own (killed as a group)."""
    env = app_environment(
        cluster, PORT=str(port), WEB_CONCURRENCY="2", DJANGO_JOBS_LOG_LEVEL="INFO"
    )
    with log_path.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 -- our own script
            [str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def serve_wait(server: subprocess.Popen[bytes], base: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError(f"scripts/serve.sh exited with {server.returncode} (see its log)")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(base + "/healthz", timeout=5) as response,  # noqa: S310
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise SetupError(f"/healthz did not answer 200 within {timeout:.0f} s")


def serve_stop(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and the worker: their whole process group, killed if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=wait)
            if not group_members(server.pid):
                return


def group_members(pgid: int) -> list[str]:
    """The command lines of the processes still in the process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                members.append(cmdline.decode(errors="replace").strip())
    return members


# --- the files uploaded ------------------------------------------------------------------------


def counts_csv(lines: int, *, seed: int) -> bytes:
    """`lines` hourly counts spread over the counters, from 2020 on, with random values."""
    rng = random.Random(seed)  # noqa: S311 -- test data
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    hours = -(-lines // len(COUNTERS))
    rows = ["counter,datetime,count"]
    for counter in COUNTERS:
        for hour in range(hours):
            when = (start + dt.timedelta(hours=hour)).isoformat()
            rows.append(f"{counter},{when},{rng.randint(0, 400)}")
    return ("\n".join(rows[: lines + 1]) + "\n").encode()


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    """The body and content type of a form posting `fields` and one file, as `file`."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the clients -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One request: when it was sent and answered (seconds since the load started), and how."""

    stream: str  # "upload" or "health"
    sent: float
    answered: float
    ok: bool
    answer: str  # "302", "HTTP 500", "connection: ConnectionRefusedError"…
    run_pk: int | None = None
    big: bool = False

    @property
    def visible_failure(self) -> bool:
        """A failure a client cannot mistake for a success: a 5xx or no answer."""
        return self.answer.startswith(("HTTP 5", "connection"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to look at, not to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A signed-in staff member's browser: its cookies, the CSRF token of its form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.token = ""

    def request(self, path: str, body: bytes | None = None, content_type: str = "") -> Any:
        """(status, Location, text) of a request; raises OSError on no answer."""
        headers = {"Content-Type": content_type} if content_type else {}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_S) as response:
                return response.status, "", response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Location", ""), ""

    def sign_in(self, password: str) -> None:
        status, _, page = self.request("/admin/login/?next=/admin/")
        fields = {
            "csrfmiddlewaretoken": csrf_token(page),
            "username": STAFF_USERNAME,
            "password": password,
            "next": "/admin/",
        }
        status, location, _ = self.request(
            "/admin/login/?next=/admin/",
            urllib.parse.urlencode(fields).encode(),
            "application/x-www-form-urlencoded",
        )
        if status != 302 or "login" in location:
            raise SetupError(f"signing in answered {status} {location}")
        status, _, page = self.request("/comptages/import/")
        if status != 200:
            raise SetupError(f"the upload page answered {status} once signed in")
        self.token = csrf_token(page)

    def upload(self, name: str, content: bytes) -> tuple[int, str]:
        fields = {
            "csrfmiddlewaretoken": self.token,
            "kind": "readings",
            "source": SOURCE,
            "counter_column": "counter",
            "count_column": "count",
            "time_zone": "Europe/Paris",
        }
        body, content_type = multipart(fields, name, content)
        status, location, _ = self.request("/comptages/import/", body, content_type)
        return status, location


def csrf_token(page: str) -> str:
    found = CSRF_INPUT.search(page)
    if not found:
        raise SetupError("no CSRF token in the form")
    return found.group(1)


@dataclasses.dataclass
class Load:
    """What the client threads share: the clock, the stop signal, the outcomes."""

    base: str
    started: float = dataclasses.field(default_factory=time.monotonic)
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    outcomes: list[Outcome] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    ended: float = 0.0  # when the uploads stopped (seconds since the load started)

    def now(self) -> float:
        return time.monotonic() - self.started

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def answer_of(status: int, location: str) -> tuple[bool, str, int | None]:
    found = IMPORT_URL.search(location) if status == 302 else None
    if found:
        return True, "302", int(found.group(1))
    return False, f"HTTP {status}" + (f" to {location}" if location else ""), None


def uploader(
    load: Load, browser: Browser, number: int, files: dict[str, bytes], big_every: int
) -> None:
    """Upload files in a loop: the first client starts with a big one, then one in `big_every`."""
    sent_count = 0
    while not load.stop.is_set():
        big = number == 0 and sent_count % big_every == 0
        name = "big.csv" if big else "small.csv"
        sent = load.now()
        try:
            status, location = browser.upload(f"{number}-{sent_count}-{name}", files[name])
            ok, answer, pk = answer_of(status, location)
        except OSError as error:
            ok, answer, pk = False, f"connection: {type(error).__name__}", None
        load.record(Outcome("upload", sent, load.now(), ok, answer, pk, big))
        sent_count += 1
        load.stop.wait(POST_PAUSE_S)


def health_poller(load: Load) -> None:
    while not load.stop.is_set():
        sent = load.now()
        try:
            with urllib.request.urlopen(load.base + "/healthz", timeout=REQUEST_TIMEOUT_S) as r:  # noqa: S310
                ok, answer = r.status == 200, f"HTTP {r.status}"
        except urllib.error.HTTPError as error:
            ok, answer = False, f"HTTP {error.code}"
        except OSError as error:
            ok, answer = False, f"connection: {type(error).__name__}"
        load.record(Outcome("health", sent, load.now(), ok, answer))
        load.stop.wait(HEALTH_PAUSE_S)


# --- the restart -------------------------------------------------------------------------------


def query(cluster: Cluster, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.url(), autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def running_big_imports(cluster: Cluster) -> list[tuple[Any, ...]]:
    return query(
        cluster,
        "SELECT id, lines_read FROM usage_importrun "
        "WHERE status = 'running' AND file_name LIKE %s AND lines_read > 0",
        ["%big.csv"],
    )


@dataclasses.dataclass
class Restart:
    command_at: float  # when `pg_ctl restart` was called (seconds since the load started)
    back_at: float  # when it returned: PostgreSQL accepts connections again
    running: list[tuple[Any, ...]]  # (run id, lines read) of the big imports running then


def restart_during_import(cluster: Cluster, load: Load, after: float) -> Restart:
    """Once `after` seconds have passed and a big import is running (10 s more at most),
    restart the cluster."""
    load.stop.wait(after)
    deadline = time.monotonic() + 10
    running = running_big_imports(cluster)
    while not running and time.monotonic() < deadline:
        time.sleep(0.05)
        running = running_big_imports(cluster)
    command_at = load.now()
    cluster.pg_ctl("-m", "fast", "-w", "-t", "60", "restart")
    return Restart(command_at=command_at, back_at=load.now(), running=running)


# --- the checks --------------------------------------------------------------------------------


def drain_wait(cluster: Cluster, timeout: float) -> float:
    """Wait until no run is queued or running and no job is to do; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(psycopg.OperationalError):
            ((pending,),) = query(
                cluster,
                "SELECT (SELECT count(*) FROM usage_importrun WHERE status IN "
                "('queued', 'running')) + (SELECT count(*) FROM procrastinate_jobs "
                "WHERE status IN ('todo', 'doing'))",
            )
            if pending == 0:
                break
        time.sleep(0.5)
    return time.monotonic() - started


def recovery(outcomes: list[Outcome], stream: str, since: float) -> float | None:
    """When `stream` had recovered (seconds since the load started): the answer to the first
    success sent after the last failure that followed `since`; None if there is none."""
    mine = [o for o in outcomes if o.stream == stream and o.answered >= since]
    failures = [o.answered for o in mine if not o.ok]
    after = max(failures, default=since)
    successes = [o.answered for o in mine if o.ok and o.sent >= after]
    return min(successes) if successes else None


@dataclasses.dataclass
class RunState:
    pk: int
    status: str
    lines_read: int
    error: str
    jobs: list[tuple[Any, ...]]  # (job id, status, attempts)
    failures: list[tuple[Any, ...]]  # (job id, attempt, final, error type, error)


@dataclasses.dataclass
class Checks:
    missing: list[int]  # acknowledged runs not in the database
    not_done: list[RunState]  # acknowledged runs that did not end "done"
    unacknowledged: list[RunState]  # runs recorded during the load that no client was told of
    interrupted: list[RunState]  # the big imports that were running at the restart


def runs_check(cluster: Cluster, pks: list[int], first: int, restart: Restart) -> Checks:
    """The runs recorded from `first` on against the acknowledged ones."""
    rows = query(
        cluster,
        "SELECT id, status, lines_read, error FROM usage_importrun WHERE id >= %s ORDER BY id",
        [first],
    )
    acknowledged = set(pks)
    at_restart = {pk for pk, _ in restart.running}
    return Checks(
        missing=sorted(acknowledged - {row[0] for row in rows}),
        not_done=[run_state(cluster, *r) for r in rows if r[0] in acknowledged and r[1] != "done"],
        unacknowledged=[run_state(cluster, *r) for r in rows if r[0] not in acknowledged],
        interrupted=[run_state(cluster, *r) for r in rows if r[0] in at_restart],
    )


def next_run_id(cluster: Cluster) -> int:
    ((last,),) = query(cluster, "SELECT coalesce(max(id), 0) FROM usage_importrun")
    return int(last) + 1


def run_state(cluster: Cluster, pk: int, status: str, lines_read: int, error: str) -> RunState:
    jobs = query(
        cluster,
        "SELECT id, status, attempts FROM procrastinate_jobs "
        "WHERE task_name = 'usage.import_file' AND (args->>'run_id')::bigint = %s",
        [pk],
    )
    failures = query(
        cluster,
        "SELECT job_id, attempt, final, error_type, left(error, 200) FROM common_jobfailure "
        "WHERE job_id = ANY(%s) ORDER BY job_id, attempt",
        [[job[0] for job in jobs]],
    )
    return RunState(pk, status, lines_read, error or "", jobs, failures)


def tracebacks(log_path: Path) -> Counter[tuple[str, str]]:
    """The exceptions of the server's log, counted by (our innermost frame, the last exception
    of its chain: the one raised)."""
    found: Counter[tuple[str, str]] = Counter()
    frame, raised, inside = "", "", False
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif line.startswith(("The above exception", "During handling")) or not line.strip():
            continue
        elif inside and line.startswith("  File "):
            if str(ROOT) in line and "/.venv/" not in line:
                frame = line.strip().replace(str(ROOT) + "/", "")
        elif inside and not line.startswith(" "):
            raised, inside = line[:160], False
        elif not inside and raised and not line.startswith(" "):
            found[(frame or "(no frame of ours)", raised)] += 1
            frame, raised = "", ""
    if raised:
        found[(frame or "(no frame of ours)", raised)] += 1
    return found


WORKER_EVENTS = ("Starting worker", "Stopped worker", "Side task", "jobs worker stopped")


def worker_events(log_path: Path) -> list[str]:
    """The worker's lines that say it started, stopped, or that a side task failed."""
    text = log_path.read_text(errors="replace").splitlines()
    return [line[:200] for line in text if any(event in line for event in WORKER_EVENTS)]


# --- the report --------------------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    """What the clients saw."""

    uploads: list[Outcome]
    acknowledged: list[Outcome]
    failed: list[Outcome]
    before: list[Outcome]  # failures answered before the restart command
    invisible: list[Outcome]  # failures that were neither a 5xx nor a connection error
    upload_back: float | None
    health_back: float | None

    @property
    def recovery_s(self) -> float | None:
        if self.upload_back is None or self.health_back is None:
            return None
        return max(self.upload_back, self.health_back)


def figures(load: Load, restart: Restart) -> Figures:
    outcomes = sorted(load.outcomes, key=lambda o: o.sent)
    failed = [o for o in outcomes if not o.ok]
    back = {
        stream: recovery(outcomes, stream, restart.command_at) for stream in ("upload", "health")
    }
    return Figures(
        uploads=[o for o in outcomes if o.stream == "upload"],
        acknowledged=[o for o in outcomes if o.stream == "upload" and o.ok],
        failed=failed,
        before=[o for o in failed if o.answered < restart.command_at],
        invisible=[o for o in failed if not o.visible_failure],
        upload_back=None if back["upload"] is None else back["upload"] - restart.command_at,
        health_back=None if back["health"] is None else back["health"] - restart.command_at,
    )


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def report_requests(load: Load, restart: Restart, f: Figures) -> None:
    print(f"load: {load.ended:.1f} s; restart command at {restart.command_at:.2f} s, ", end="")
    print(f"PostgreSQL back {restart.back_at - restart.command_at:.2f} s later")
    running = ", ".join(f"#{pk} ({lines} lines read)" for pk, lines in restart.running)
    print(f"big imports running at the restart: {running or 'none'}")
    print(f"uploads sent: {len(f.uploads)} ({sum(o.big for o in f.uploads)} big)")
    print(f"uploads acknowledged (302 to the run): {len(f.acknowledged)}")
    print(f"healthz asked: {len(load.outcomes) - len(f.uploads)}")
    answers = Counter(f"{o.stream} {o.answer}" for o in f.failed if o not in f.before)
    detail = ", ".join(f"{n} {answer}" for answer, n in answers.most_common())
    print(f"errors during the outage: {sum(answers.values())}" + (f" ({detail})" if detail else ""))
    print(f"errors before the restart: {len(f.before)} (aim 0)")
    print(f"errors neither 5xx nor a connection error: {len(f.invisible)} (aim 0)")
    print(f"  an acknowledged upload sent after the last failure: {seconds(f.upload_back)}")
    print(f"  a healthz 200 sent after the last failure: {seconds(f.health_back)}")
    print(f"recovery time: {seconds(f.recovery_s)} (aim <= {AIM_RECOVERY_S:.0f} s)")


def report_run(state: RunState) -> None:
    print(f"  run #{state.pk}: {state.status}, {state.lines_read} lines read {state.error[:80]!r}")
    for job_id, status, attempts in state.jobs:
        print(f"    job #{job_id}: {status}, {attempts} attempts")
    if not state.jobs:
        print("    no job")
    for job_id, attempt, final, error_type, error in state.failures:
        print(f"    failure of job #{job_id}, attempt {attempt} (final: {final}): ", end="")
        print(f"{error_type}: {' '.join(error.split())[:120]}")


def report_runs(checks: Checks, drain_s: float, shown: int = 6) -> None:
    print("the big imports running at the restart, in the end:")
    for state in checks.interrupted:
        report_run(state)
    print(f"queue drain waited {drain_s:.1f} s")
    print(f"acknowledged runs missing: {len(checks.missing)} (aim 0) {checks.missing or ''}")
    states = Counter(
        f"{r.status} (job {', '.join(j[1] for j in r.jobs) or 'none'})" for r in checks.not_done
    )
    detail = ", ".join(f"{n} {state}" for state, n in states.most_common())
    print(f"acknowledged runs not done: {len(checks.not_done)} (aim 0) {detail}")
    for state in checks.not_done[:shown]:
        report_run(state)
    if len(checks.not_done) > shown:
        print(f"  … and {len(checks.not_done) - shown} more")
    stuck = [r for r in checks.unacknowledged if r.status in ("queued", "running")]
    print(f"runs recorded without an acknowledgement: {len(checks.unacknowledged)}, ", end="")
    print(f"left queued or running: {len(stuck)} (aim 0)")
    for state in checks.unacknowledged[:shown]:
        report_run(state)


def report_server(worker_alive: bool, log_path: Path) -> None:
    print(f"jobs worker alive at the end: {'yes' if worker_alive else 'NO'}")
    for line in worker_events(log_path):
        print(f"  {line}")
    print("exceptions in the server's log (count, our innermost frame, the exception raised):")
    for (frame, exception), count in tracebacks(log_path).most_common(12):
        print(f"  {count:4d}  {frame}\n        {exception}")


def report(
    load: Load, restart: Restart, checks: Checks, drain_s: float, worker_alive: bool, log: Path
) -> bool:
    """Print the figures; whether every aim is met."""
    f = figures(load, restart)
    print("\n=== PostgreSQL restart under load ===")
    report_requests(load, restart, f)
    report_runs(checks, drain_s)
    report_server(worker_alive, log)
    return (
        not checks.missing
        and not checks.not_done
        and not any(r.status in ("queued", "running") for r in checks.unacknowledged)
        and not f.before
        and not f.invisible
        and f.recovery_s is not None
        and f.recovery_s <= AIM_RECOVERY_S
        and worker_alive
    )


# --- the whole ---------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the load")
    parser.add_argument("--restart-after", type=float, default=3.0, help="seconds into the load")
    parser.add_argument("--clients", type=int, default=4, help="uploading threads")
    parser.add_argument("--big-lines", type=int, default=200_000, help="lines of a big file")
    parser.add_argument("--big-every", type=int, default=8, help="one big file in this many")
    parser.add_argument("--drain-seconds", type=float, default=60.0, help="for the queue")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here")
    options = parser.parse_args()
    if options.seconds < options.restart_after + AIM_RECOVERY_S:
        parser.error("--seconds must leave room for the recovery after --restart-after")
    return options


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGHUP) end the script as Ctrl-C does: through the clean-up."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def load_run(
    cluster: Cluster, browsers: list[Browser], options: argparse.Namespace
) -> tuple[Load, Restart]:
    """Upload and ask /healthz for `--seconds`, restarting PostgreSQL on the way."""
    files = {"small.csv": counts_csv(30, seed=1), "big.csv": counts_csv(options.big_lines, seed=2)}
    load = Load(browsers[0].base)
    threads = [threading.Thread(target=health_poller, args=(load,), daemon=True)]
    threads += [
        threading.Thread(target=uploader, args=(load, b, n, files, options.big_every), daemon=True)
        for n, b in enumerate(browsers)
    ]
    log(f"load: {options.clients} uploading clients and healthz, {options.seconds:.0f} s…")
    for thread in threads:
        thread.start()
    try:
        restart = restart_during_import(cluster, load, options.restart_after)
        log(f"PostgreSQL restarted at {restart.command_at:.2f} s")
        load.stop.wait(max(0.0, options.seconds - load.now()))
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 5)
        load.ended = load.now()
    return load, restart


def measure(cluster: Cluster, options: argparse.Namespace, folder: Path) -> bool:
    """Serve, load, restart, drain, check and report (the steps of the module's docstring)."""
    password = secrets.token_urlsafe(16)
    log("migrating the database, creating the staff user and the counters…")
    app_prepare(cluster, password)
    base = f"http://{HOST}:{free_port()}"
    log_path = folder / "serve.log"
    log(f"starting scripts/serve.sh on {base} (log: {log_path})…")
    server = serve_start(cluster, int(base.rsplit(":", 1)[1]), log_path)
    try:
        serve_wait(server, base)
        browsers = [Browser(base) for _ in range(options.clients)]
        for browser in browsers:
            browser.sign_in(password)
        first = next_run_id(cluster)
        load, restart = load_run(cluster, browsers, options)
        log(f"waiting for the worker to drain the queue ({options.drain_seconds:.0f} s at most)…")
        drain_s = drain_wait(cluster, options.drain_seconds)
        pks = [o.run_pk for o in load.outcomes if o.run_pk is not None]
        checks = runs_check(cluster, pks, first, restart)
        alive = any("procrastinate" in m for m in group_members(server.pid))
        return report(load, restart, checks, drain_s, alive, log_path)
    finally:
        serve_stop(server)
        if options.keep_log:
            shutil.copyfile(log_path, options.keep_log)


def main() -> int:
    options = arguments()
    if os.geteuid() != 0:
        print("run as root: the cluster is started as the postgres OS user", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="tactique-resilience-"))
    cluster: Cluster | None = None
    with terminated_as_interrupt():
        try:
            log(f"starting a PostgreSQL cluster of our own in {folder}…")
            cluster = cluster_start(folder)
            database_create(cluster)
            ok = measure(cluster, options, folder)
        except SetupError as error:
            print(f"set-up failed: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            if cluster is not None:
                cluster_stop(cluster)
            shutil.rmtree(folder, ignore_errors=True)
    print("\nRESULT:", "every aim met" if ok else "AIM MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
