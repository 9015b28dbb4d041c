"""Sending hostile requests and recording every server error.

`Probe.send` makes one request as one role and records it when the answer is a 5xx or the view
raised (the test client re-raises what the handler would have turned into a 500, which gives the
root cause). Each request runs in a savepoint, so that a request that broke the database
transaction does not make every later one fail too.

`routes()` lists every URL pattern of the resolver, with the pieces a path is built from;
`FormParser` finds the forms of a page (action, method, fields, their values) to post to."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

ROOT = Path(__file__).resolve().parent.parent.parent


class _ServerError(Exception):
    """Raised inside the savepoint on a 5xx answer, to roll back what the request wrote."""


@dataclass
class Failure:
    role: str
    method: str
    path: str
    status: int | None
    error: str
    where: str
    body: bytes = b""

    def __str__(self) -> str:
        shown = self.body[:160]
        return (
            f"{self.method} {self.path[:160]} as {self.role}: {self.status or 'exception'} "
            f"{self.error[:200]} at {self.where}" + (f" body={shown!r}" if shown else "")
        )


@dataclass
class Probe:
    clients: dict[str, Client]
    users: dict[str, Any]
    sent: int = 0
    failures: list[Failure] = field(default_factory=list)
    pages: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def send(
        self,
        role: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> int | None:
        """Send one request; its status, or None when the view raised."""
        client = self.clients[role]
        self.sent += 1
        status = None
        try:
            with transaction.atomic():
                if data is not None:  # multipart, encoded by the test client (files)
                    response = client.post(path, data=data, headers=headers)
                elif body is not None:
                    response = client.generic(
                        method, path, data=body, content_type=content_type, headers=headers
                    )
                else:
                    response = client.generic(method, path, headers=headers)
                status = response.status_code
                if status >= 500:
                    raise _ServerError(response.content[:300].decode(errors="replace"))
        except Exception as error:
            self.failures.append(
                Failure(role, method, path, status, repr(error), _where(error), body or b"")
            )
            return None
        finally:
            if method != "GET":  # only a form can sign out or change a password
                self._stay_signed_in(role)
        if method == "GET" and status == 200 and "html" in response.get("Content-Type", ""):
            self.pages.setdefault((role, path), response.content)
        return status

    def _stay_signed_in(self, role: str) -> None:
        """A fuzzed form may sign the client out (or change its password): sign in again."""
        user = self.users.get(role)
        if user is not None and "_auth_user_id" not in self.clients[role].session:
            user.refresh_from_db()
            self.clients[role].force_login(user)

    def report(self) -> str:
        first: dict[tuple[str, str, str], Failure] = {}
        for f in self.failures:
            first.setdefault((f.where, f.error.split("(")[0], f.path.split("?")[0]), f)
        distinct = first
        lines = [str(f) for f in first.values()]
        return f"{len(self.failures)} server errors ({len(distinct)} distinct):\n" + "\n".join(
            lines
        )


def _where(error: BaseException) -> str:
    """The innermost frame of the project's own code in the error's traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        f
        for f in frames
        if f.filename.startswith(str(ROOT))
        and "/.venv/" not in f.filename
        and "/tests/" not in f.filename
    ]
    frame = (ours or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame else "?"


# --- the URL patterns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: the pieces of its path (text, or an argument) and its view's name."""

    pieces: tuple[tuple[str, str], ...]  # ("text", "amenagements/") or ("arg:name", regex)
    name: str

    @property
    def arguments(self) -> list[tuple[str, str]]:
        return [(kind[4:], regex) for kind, regex in self.pieces if kind.startswith("arg:")]


ROUTE_ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>(?:[^()]|\([^()]*\))*)\)")


def _pieces(pattern: Any) -> list[tuple[str, str]]:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        out, at = [], 0
        for match in ROUTE_ARGUMENT.finditer(text):
            out.append(("text", text[at : match.start()]))
            converter = pattern.converters[match["name"]]
            out.append((f"arg:{match['name']}", converter.regex))
            at = match.end()
        out.append(("text", text[at:]))
        return out
    if isinstance(pattern, RegexPattern):
        text = text.removeprefix("^").removesuffix("$")
        out, at = [], 0
        for match in REGEX_GROUP.finditer(text):
            out.append(("text", text[at : match.start()].replace("\\", "")))
            out.append((f"arg:{match['name']}", match["regex"]))
            at = match.end()
        out.append(("text", text[at:].replace("\\", "")))
        return out
    return [("text", text)]


def routes() -> list[Route]:
    """Every URL pattern of the project, from the resolver (included ones too)."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: list[tuple[str, str]], namespace: str) -> None:
        for p in patterns:
            pieces = prefix + _pieces(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, pieces, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else str(p.name)
                found.append(Route(tuple(pieces), name))

    walk(get_resolver().url_patterns, [], "")
    return found


# --- the forms of a page ------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str, list[str]]] = field(default_factory=list)  # name, type, values

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.action, self.method, tuple(sorted({n for n, _t, _v in self.fields})))


class FormParser(HTMLParser):
    """The forms of an HTML page, with their fields and the values the page gives them."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str]] | None = None
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.page_path
            method = "POST" if a.get("hx-post") else (a.get("method") or "get").upper()
            self._form = Form(action, method, "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in {"input", "button"} and a.get("name"):
            kind = a.get("type", "text")
            self._form.fields.append((a["name"], kind, [a.get("value", "")]))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [""]
            self._form.fields.append((a["name"], "textarea", self._textarea))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
            self._form.fields.append((a["name"], "select", self._select[1]))
        elif tag == "option" and self._select is not None:
            if "selected" in a:  # the page's own choice first
                self._select[1].insert(0, a.get("value", ""))
            else:
                self._select[1].append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(page_path: str, html: bytes) -> list[Form]:
    parser = FormParser(page_path)
    parser.feed(html.decode(errors="replace"))
    return [f for f in parser.forms if f.action.startswith("/") or not f.action.startswith("http")]
