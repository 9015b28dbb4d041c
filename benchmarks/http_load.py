"""Benchmark Tactique over HTTP as it is deployed: gunicorn, production settings, loopback only.

    .venv/bin/python benchmarks/http_load.py                  (5 s per target: about a minute)
    .venv/bin/python benchmarks/http_load.py --seconds 10 --clients 8

Creates a throwaway database (`test_<database>_bench_http`, named after the database of
`DATABASE_URL`, dropped at the end), migrated, with the data of `make run` (`load_demo`,
`load_demo_usage`, `load_demo_indicators`, `load_demo_contributions`; no evaluations), plus
signed-in residents (an account, a verified address, a pseudonym and a session each) for the
contribution POSTs. The static files are collected into a temporary STATIC_ROOT. Then it starts
`gunicorn config.wsgi -w 2 -b 127.0.0.1:<free port>` with production settings (DJANGO_DEBUG=0,
a random DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS=127.0.0.1, DJANGO_SECURE_COOKIES=0,
TACTIQUE_TRUSTED_PROXIES=127.0.0.1; the database cache, as in production) and, for each target,
runs `--clients` concurrent clients (threads, `http.client`, a connection kept while the server
keeps it) for `--seconds`, after one second of warm-up; the targets take turns, in `--rounds`
slices each, so that a load coming and going on the machine weighs on all of them alike:

  trivial          GET /healthz (one `SELECT 1` and the migration graph): the baseline
  home             GET / (the map page, anonymous)
  map, full        GET /api/amenagements.geojson, gzip accepted: what a browser without the
                   layer in its cache costs
  map, revalidated the same with If-None-Match: the ETag a browser holds, answered 304
  arrangement      GET /amenagements/<slug>/, the demo arrangement with the most opinions
  contribution     POST /amenagements/<slug>/avis/ by a signed-in resident (ratings, sometimes
                   a comment), without htmx: a 302 back to the arrangement page when accepted

Rate limits stay on (per account 10/min, per IP 20/min, `participation.contributions.
ratelimits`): each POST is sent by the next resident in turn, with an `X-Forwarded-For` of its
own (believed from 127.0.0.1, `common.clientip`), and no resident posts more than 9 times in a
run; when every resident has, the target stops early (and says so).

It prints, per target: requests, errors (another status than expected, or a network error),
requests per second, median and 99th percentile latency (connection, request, whole body), and
the ratio of its requests per second to the trivial target's, measured in the same run. Aims:
the map layer (revalidated, and full) at least 50 % of trivial, the contribution POST at least
10 %, no error. Missing an aim does not fail the command (timings are the machine's: client,
server and PostgreSQL share its cores); a broken check does (a target answering otherwise
before the measure, or accepted POSTs missing from the database).
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_POSTS_PER_RESIDENT = 9  # under the tightest limit, 10 per minute per account
WARM_UP_SECONDS = 1.0
AIM_MAP_RATIO = 0.50
AIM_CONTRIBUTION_RATIO = 0.10
COMMENT = "Plus agréable depuis la séparation, sauf aux heures de pointe."
DEFAULT_DATABASE_URL = "postgis://tactique:tactique@127.0.0.1:5432/tactique"

# Production-like settings, for gunicorn and for this process (the session hash needs the same
# secret key). Only STATIC_ROOT differs from config.settings: it is not an environment
# variable, and the collected files must not land in the working tree.
SETTINGS_MODULE = "bench_http_settings"
SETTINGS_TEXT = """from config.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""


# --- the requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Target:
    """What one target sends: `request()` gives the next request, or None to stop."""

    name: str
    expected: int
    request: Callable[[], Request | None]


@dataclass
class Outcome:
    name: str
    latencies: list[float]
    errors: int
    seconds: float
    stopped_early: bool = False

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, bool]:
    """Send `request`, read the whole answer: (status, whether the server closes)."""
    connection.request(request.method, request.path, body=request.body, headers=request.headers)
    response = connection.getresponse()
    response.read()
    return response.status, response.will_close


def run_target(target: Target, port: int, clients: int, seconds: float) -> Outcome:
    """`clients` threads send `target`'s requests for `seconds`, each on its own connection
    (reopened when the server closes it: gunicorn's sync workers close after each answer)."""
    latencies: list[float] = []
    errors = [0]
    stopped = threading.Event()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection: http.client.HTTPConnection | None = None
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            request = target.request()
            if request is None:
                stopped.set()
                break
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
                status, closes = send(connection, request)
            except (OSError, http.client.HTTPException):
                status, closes = 0, True
            mine.append(time.perf_counter() - started)
            failed += status != target.expected
            if closes and connection is not None:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Outcome(
        target.name, latencies, errors[0], time.perf_counter() - started, stopped.is_set()
    )


def fetch(port: int, request: Request) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request(request.method, request.path, body=request.body, headers=request.headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


# --- the data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    cookie: str  # the session and CSRF cookies
    csrf: str
    address: str  # its X-Forwarded-For
    slug: str  # the arrangement it gives its opinion of
    fields: tuple[tuple[str, str], ...]  # the form's fixed fields (version)
    ratings: tuple[str, ...]  # the names of the rating fields


def load_demo() -> None:
    from django.core.management import call_command

    for command in ("load_demo", "load_demo_usage", "load_demo_indicators"):
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("load_demo_contributions", stdout=io.StringIO(), stderr=io.StringIO())


def make_residents(count: int) -> list[Resident]:
    """`count` signed-in residents, each assigned one of the arrangements that ask for ratings.

    Set-up, not measured: accounts, addresses and profiles are bulk-created (no password: the
    session is made here, as a sign-in would make it, rather than through the login form)."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    from amenagements.models import Amenagement
    from participation.contributions import selectors
    from participation.contributions.forms import ContributionForm
    from participation.models import Profile

    asked = []
    for amenagement in Amenagement.objects.exclude(status=Amenagement.Status.REMOVED).order_by(
        "name", "pk"
    ):
        definitions = selectors.perception_definitions(amenagement)
        if definitions:
            version = selectors.current_version(amenagement).number
            names = tuple(ContributionForm.rating_name(d.pk) for d in definitions)
            asked.append((amenagement.slug, (("version", str(version)),), names))
        if len(asked) == 20:
            break
    assert asked, "no demo arrangement asks for ratings: load_demo_indicators changed?"

    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"banc-{i}@example.org", email=f"banc-{i}@example.org", password=unusable)
        for i in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    Profile.objects.bulk_create(Profile(user=u, pseudonym=f"Banc {i}") for i, u in enumerate(users))
    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    residents = []
    for i, user in enumerate(users):  # PostgreSQL gives bulk-created rows their keys
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        # An unmasked CSRF secret: Django accepts it as the form's token too.
        csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        slug, fixed, ratings = asked[i % len(asked)]
        residents.append(
            Resident(
                cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}",
                csrf=csrf,
                address=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                slug=slug,
                fields=fixed,
                ratings=ratings,
            )
        )
    return residents


def busiest_arrangement() -> str:
    """The slug of the demo arrangement with the most opinions (the heaviest page)."""
    from django.db.models import Count

    from amenagements.models import Amenagement

    busiest = (
        Amenagement.objects.annotate(n=Count("versions__contributions"))
        .order_by("-n", "name")
        .values_list("slug", flat=True)
        .first()
    )
    assert busiest is not None, "the demo has no arrangement"
    return busiest


# --- the targets ------------------------------------------------------------------------------


def targets(port: int, residents: list[Resident], arrangement: str) -> list[Target]:
    from django.urls import reverse

    layer = reverse("amenagements:geojson")
    gzip = {"Accept-Encoding": "gzip"}
    response = fetch(port, Request("GET", layer, gzip))
    etag = response.getheader("ETag") or ""
    assert etag, "the map layer has no ETag"
    assert response.getheader("Content-Encoding") == "gzip", "the map layer is not gzipped"
    rng = random.Random(2020)
    limit = MAX_POSTS_PER_RESIDENT * len(residents)
    posts = itertools.count()  # next() on it is atomic under the GIL: shared by the threads

    def contribution() -> Request | None:
        n = next(posts)
        if n >= limit:
            return None
        resident = residents[n % len(residents)]
        form = [("csrfmiddlewaretoken", resident.csrf), *resident.fields, ("website", "")]
        form += [(name, str(rng.randint(1, 5))) for name in resident.ratings]
        if n % 5 == 0:
            form.append(
                ("comment", "Plus agréable depuis la séparation, sauf aux heures de pointe.")
            )
        return Request(
            "POST",
            reverse("contributions:contribute", args=[resident.slug]),
            {
                "Cookie": resident.cookie,
                "X-Forwarded-For": resident.address,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            urllib.parse.urlencode(form).encode(),
        )

    def always(request: Request) -> Callable[[], Request]:
        return lambda: request

    return [
        Target("trivial  GET /healthz", 200, always(Request("GET", "/healthz"))),
        Target("home  GET /", 200, always(Request("GET", "/", gzip))),
        Target(f"map, full  GET {layer}", 200, always(Request("GET", layer, gzip))),
        Target(
            "map, revalidated (304)",
            304,
            always(Request("GET", layer, {**gzip, "If-None-Match": etag})),
        ),
        Target(
            "arrangement page",
            200,
            always(Request("GET", reverse("pages:amenagement", args=[arrangement]), gzip)),
        ),
        Target("contribution POST", 302, contribution),
    ]


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path


def start_gunicorn(env: dict[str, str], workers: int, log: Path) -> Server:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 -- our own executable, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"{HOST}:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    server = Server(process, port, log)
    for _ in range(300):
        if process.poll() is not None:
            break
        try:
            if fetch(port, Request("GET", "/healthz")).status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    sys.exit(f"gunicorn did not answer /healthz with 200:\n{log.read_text()[-3000:]}")


# --- the run ----------------------------------------------------------------------------------


def configure(settings_dir: Path) -> dict[str, str]:
    """The production-like environment, set for this process and returned for gunicorn."""
    (settings_dir / f"{SETTINGS_MODULE}.py").write_text(
        SETTINGS_TEXT.format(static_root=str(settings_dir / "static"))
    )
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_COOKIES": "0",
        "TACTIQUE_TRUSTED_PROXIES": HOST,
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
    }
    os.environ.update(env)
    sys.path[:0] = [str(settings_dir), str(ROOT)]
    return env


def check(port: int, target: Target) -> None:
    """One request of `target` before measuring it: it must answer as expected."""
    request = target.request()
    assert request is not None
    status = fetch(port, request).status
    if status != target.expected:
        sys.exit(f"{target.name}: HTTP {status}, expected {target.expected}")


def measure(
    targets: list[Target], port: int, clients: int, seconds: float, rounds: int
) -> tuple[list[Outcome], list[Outcome]]:
    """Check and warm up each target, then run them in turn, `rounds` times for
    `seconds / rounds` each: a load that comes and goes on the machine (it is shared) then
    weighs on every target alike. The warm-ups' outcomes and the measures'."""
    warm_ups = []
    for target in targets:
        check(port, target)
        warm_ups.append(run_target(target, port, clients, WARM_UP_SECONDS))
    outcomes = [Outcome(target.name, [], 0, 0.0) for target in targets]
    for _ in range(rounds):
        for target, outcome in zip(targets, outcomes, strict=True):
            part = run_target(target, port, clients, seconds / rounds)
            outcome.latencies += part.latencies
            outcome.errors += part.errors
            outcome.seconds += part.seconds
            outcome.stopped_early |= part.stopped_early
    return warm_ups, outcomes


def report(outcomes: list[Outcome]) -> None:
    from harness import thousands, verdict

    trivial = outcomes[0].per_second
    width = max(len(o.name) for o in outcomes)
    print(
        f"{'target':{width}}  {'requests':>8}  {'errors':>6}  {'req/s':>7}  {'p50':>8}  "
        f"{'p99':>8}  {'ratio':>5}"
    )
    for o in outcomes:
        print(
            f"{o.name:{width}}  {thousands(o.requests):>8}  {o.errors:>6}  {o.per_second:7.0f}  "
            f"{o.percentile(50) * 1000:6.1f} ms  {o.percentile(99) * 1000:5.1f} ms  "
            f"{o.per_second / trivial:5.2f}" + ("  (residents used up)" if o.stopped_early else "")
        )
    by_name = {o.name: o for o in outcomes}
    aims = [
        ("map, revalidated", by_name["map, revalidated (304)"], AIM_MAP_RATIO),
        ("map, full", next(o for o in outcomes if o.name.startswith("map, full")), AIM_MAP_RATIO),
        ("contribution", by_name["contribution POST"], AIM_CONTRIBUTION_RATIO),
    ]
    print()
    for label, outcome, aim in aims:
        ratio = outcome.per_second / trivial
        print(
            f"{label + ' / trivial':26} = {ratio:4.2f}   aim >= {aim:<4g}  {verdict(ratio >= aim)}"
        )
    errors = sum(o.errors for o in outcomes)
    print(f"{'errors':26} = {errors:4d}   aim 0        {verdict(errors == 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured, per target")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (threads)")
    parser.add_argument("--rounds", type=int, default=5, help="turns taken by the targets")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's worker processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tactique-http-") as tmp:
        tmpdir = Path(tmp)
        env = configure(tmpdir)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from harness import throwaway_database

        from participation.models import Contribution

        database = settings.DATABASES["default"]["NAME"]
        name = f"test_{database}_bench_http"
        with throwaway_database(name):
            started = time.perf_counter()
            load_demo()
            call_command("collectstatic", interactive=False, verbosity=0)
            # Enough residents that none posts more than 9 times below ~360 POSTs a second.
            residents = make_residents(max(200, round(40 * (args.seconds + WARM_UP_SECONDS))))
            arrangement = busiest_arrangement()
            print(
                f"Demo data, {len(residents)} signed-in residents and static files ready in "
                f"{time.perf_counter() - started:.0f} s."
            )
            url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
            server_env = {
                **os.environ,
                **env,
                "DATABASE_URL": url._replace(path=f"/{name}").geturl(),
            }
            server = start_gunicorn(server_env, args.workers, tmpdir / "gunicorn.log")
            print(
                f"gunicorn -w {args.workers} on {HOST}:{server.port}; {args.clients} clients, "
                f"{WARM_UP_SECONDS:g} s of warm-up, then {args.seconds:g} s per target in "
                f"{args.rounds} rounds.\n"
            )
            try:
                warm_ups, outcomes = measure(
                    targets(server.port, residents, arrangement),
                    server.port,
                    args.clients,
                    args.seconds,
                    args.rounds,
                )
            finally:
                server.process.terminate()
                server.process.wait(timeout=30)
            report(outcomes)
            # Each resident gives one opinion of one arrangement, edited by its later POSTs.
            stored = Contribution.objects.filter(user__username__startswith="banc-").count()
            posted = 1 + warm_ups[-1].requests + outcomes[-1].requests  # 1: the check
            post_errors = warm_ups[-1].errors + outcomes[-1].errors
            if post_errors == 0 and stored != min(posted, len(residents)):
                sys.exit(f"{stored} opinions stored for {min(posted, len(residents))} residents")


if __name__ == "__main__":
    main()
