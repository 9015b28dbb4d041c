"""Zero server errors under hostile input.

Every URL pattern of the resolver is requested with real and made-up path arguments and random
query strings, as each role of the permission matrix (anonymous, resident, panel member,
facilitator, staff); every form found on the pages they see is posted random, oversized, empty,
NUL-containing and non-UTF-8 values, as urlencoded and multipart bodies, and malformed or
oversized bodies too. Any 5xx, or any exception a view lets out, fails the test with the list
of requests and the line of our code that raised.

Bounded for the suite: a few examples per pattern and per form, with fixed seeds (the same
requests each run). `TACTIQUE_FUZZ_SCALE=10` multiplies the examples, for a longer hunt."""

from __future__ import annotations

import os
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .conftest import ROLES, SUMMARY
from .probe import Form, Route, forms_of, routes
from .strategies import PLAUSIBLE, QUERY_KEYS, field_value, path_argument, query_string, quoted

SCALE = float(os.environ.get("TACTIQUE_FUZZ_SCALE", "1"))
URL_EXAMPLES = max(1, round(3 * SCALE))
FORM_EXAMPLES = max(1, round(5 * SCALE))
ADMIN_EXAMPLES = max(1, round(1 * SCALE))  # Django's own pages: fewer, ours get the time
# Sent to every query parameter at once, and to each form field in turn (the others keeping
# their own values): the inputs that once answered 500, and their neighbours.
TARGETED = [
    b"a\x00b",
    "²".encode(),
    b"9" * 25,
    b'{"type":"LineString","coordinates":[[1000,45.76],[4.84,95.76]]}',
]

# Forms not posted at random: they delete the world the other requests need (the admin's
# confirmations, the account deletion), or sign the client out; the first kind is probed with
# malformed bodies only.
DESTRUCTIVE = ("/delete/", "/profil/supprimer/", "/comptes/logout/", "/admin/logout/")

HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],  # every error is recorded: nothing to shrink
    "suppress_health_check": list(HealthCheck),
}


def _valid_path(route: Route, values: dict[str, list[str]]) -> str | None:
    parts = []
    for kind, regex in route.pieces:
        if kind == "text":
            parts.append(regex)  # the text itself
            continue
        pool = values.get(kind[4:])
        if not pool:
            return None
        parts.append(quoted(pool[0].encode()))
    return "/" + "".join(parts)


def _roles_for(route: Route) -> tuple[str, ...]:
    return ("staff",) if route.name.startswith("admin:") else ROLES


def test_no_hostile_request_gets_a_server_error(probe, world, request):
    started = time.monotonic()
    values = world.values()
    all_routes = routes()

    # 1. Every pattern with real arguments, as each role: the pages whose forms are posted.
    for route in all_routes:
        path = _valid_path(route, values)
        if path is not None:
            for role in _roles_for(route):
                probe.send(role, "GET", path)
                if not route.name.startswith("admin:"):
                    probe.send(role, "GET", path, headers={"HX-Request": "true"})
            if not route.name.startswith("admin:"):
                for value in TARGETED:
                    query = "&".join(f"{key}={quoted(value)}" for key in QUERY_KEYS)
                    probe.send("staff", "GET", f"{path}?{query}")

    # 2. Every pattern with random arguments and query strings, as a random role.
    for route in all_routes:
        _fuzz_route(probe, route, values)

    # 3. Every form seen, posted hostile values by a role that saw it.
    seen: dict[tuple, tuple[Form, set[str]]] = {}
    for (role, path), html in list(probe.pages.items()):
        for form in forms_of(path, html):
            seen.setdefault(form.key, (form, set()))[1].add(role)
    # First each field in turn, while the rows the forms act on are as the world made them.
    for form, roles in seen.values():
        _targeted_fields(probe, form, sorted(roles))
    for form, roles in seen.values():
        _fuzz_form(probe, form, sorted(roles))
        _malformed_bodies(probe, form, sorted(roles)[0])

    elapsed = time.monotonic() - started
    summary = (
        f"fuzz: {probe.sent} requests ({len(all_routes)} URL patterns, {len(seen)} forms) "
        f"in {elapsed:.0f} s, {len(probe.failures)} server errors"
    )
    print("\n" + summary)  # the figure the issue asks the test output to give (with -s)
    request.config.stash.setdefault(SUMMARY, []).append(summary)  # and without
    if probe.failures:
        pytest.fail(summary + "\n" + probe.report(), pytrace=False)


def _fuzz_route(probe, route: Route, values: dict[str, list[str]]) -> None:
    args = [path_argument(regex, values.get(name, [])) for name, regex in route.arguments]

    admin = route.name.startswith("admin:")

    @seed(zlib.crc32(route.name.encode()))
    @settings(max_examples=ADMIN_EXAMPLES if admin else URL_EXAMPLES, **HYPOTHESIS)
    @given(
        role=st.sampled_from(ROLES),
        arguments=st.tuples(*args),
        query=query_string(),
        method=st.sampled_from(["GET", "GET", "HEAD", "POST"]),
        htmx=st.booleans(),
    )
    def request_route(role, arguments, query, method, htmx):
        found = iter(arguments)
        path = "/" + "".join(
            regex if kind == "text" else next(found) for kind, regex in route.pieces
        )
        headers = {"HX-Request": "true"} if htmx else None
        probe.send(role, method, f"{path}?{query}" if query else path, headers=headers)

    request_route()


def _fields(form: Form) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """The form's field names with the values the page gives them, their types, its files."""
    names: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for name, kind, values in form.fields:
        names.setdefault(name, []).extend(values)
        kinds.setdefault(name, kind)
    return names, kinds, [name for name, kind, _values in form.fields if kind == "file"]


def _own_value(values: list[str], kind: str) -> str:
    """What a field is sent when it is not the one probed: the page's value (its selected
    option), or a plausible one for an empty text input (a choice may well be empty)."""
    if values and (values[0] or kind not in PLAUSIBLE):
        return values[0]
    return PLAUSIBLE.get(kind, "1")


def _targeted_fields(probe, form: Form, roles: list[str]) -> None:
    """Each field in turn hostile, the others as the page gave them (or plausible): the
    request gets past every check but the one of that field. The admin's forms, Django's own,
    get the first hostile value only."""
    names, kinds, files = _fields(form)
    if form.method != "POST" or files or any(mark in form.action for mark in DESTRUCTIVE):
        return
    own = {n: _own_value(v, kinds[n]) for n, v in names.items()}
    values = TARGETED[:1] if form.action.startswith("/admin/") else TARGETED
    for name in names:
        for value in values:
            pairs = {**{n: v.encode() for n, v in own.items()}, name: value}
            body = "&".join(f"{quoted(k.encode())}={quoted(v)}" for k, v in pairs.items())
            probe.send(roles[-1], "POST", form.action, body=body.encode())


def _fuzz_form(probe, form: Form, roles: list[str]) -> None:
    if form.method != "POST" and form.method != "GET":
        return
    if any(mark in form.action for mark in DESTRUCTIVE):
        return
    names, kinds, files = _fields(form)
    admin = form.action.startswith("/admin/")

    @seed(zlib.crc32(form.action.encode()))
    @settings(max_examples=ADMIN_EXAMPLES * 3 if admin else FORM_EXAMPLES, **HYPOTHESIS)
    @given(
        role=st.sampled_from(roles),
        fields=st.fixed_dictionaries({n: field_value(v, kinds[n]) for n, v in names.items()}),
        extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=2),
        file_content=st.one_of(
            st.binary(max_size=300),
            st.just(b"counter,date,count\n" + b"C1,2020-05-13,7\n" * 600 + b"C1,\x00,1\n"),
            st.just(b"\xff\xfe" + "counter,date,count\nC1,2020-05-13,7\n".encode("utf-16-le")),
            st.just(b"counter,date,count\nC1,2020-05-13,\x00\n"),
            st.just(b"id,name,lon,lat\nZ1,\xff\xfe,4.83,45.76\n"),
        ),
        file_name=st.sampled_from(["comptages.csv", "a\x00b.csv", "x" * 300 + ".csv", ".csv"]),
        multipart=st.booleans(),
        htmx=st.booleans(),
    )
    def post_form(role, fields, extra, file_content, file_name, multipart, htmx):
        headers = {"HX-Request": "true"} if htmx else None
        sent = {k: v for k, v in fields.items() if v is not None}
        if form.method == "GET":
            query = "&".join(f"{quoted(k.encode())}={quoted(v)}" for k, v in sent.items())
            probe.send(role, "GET", f"{form.action.split('?')[0]}?{query}", headers=headers)
        elif files or (form.multipart and multipart):
            data = {k: v.decode("utf-8", "replace") for k, v in sent.items() if k not in files}
            data.update(extra)
            for name in files:
                data[name] = SimpleUploadedFile(file_name, file_content, "text/csv")
            probe.send(role, "POST", form.action, data=data, headers=headers)
        else:
            pairs = [*sent.items(), *((k.encode(), v.encode()) for k, v in extra.items())]
            body = "&".join(
                f"{quoted(k if isinstance(k, bytes) else k.encode())}={quoted(v)}" for k, v in pairs
            )
            probe.send(role, "POST", form.action, body=body.encode(), headers=headers)

    post_form()


MALFORMED = [
    (b'--frontier\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end', "boundary=frontier"),
    (b"anything", ""),  # multipart without a boundary
    (b"--\r\n", "boundary="),  # an empty boundary
    (b'--x\r\nContent-Disposition: form-data; name="f"; filename="a.csv"\r\n', "boundary=x"),
]


def _malformed_bodies(probe, form: Form, role: str) -> None:
    """Broken multipart bodies and too many fields: a 400, never a 500."""
    if form.method != "POST":
        return
    for body, params in MALFORMED:
        probe.send(
            role,
            "POST",
            form.action,
            body=body,
            content_type="multipart/form-data" + (f"; {params}" if params else ""),
        )
    probe.send(role, "POST", form.action, body="&".join(f"f{i}=1" for i in range(1500)).encode())
