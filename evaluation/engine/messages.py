"""Rationales as structured messages, rendered in the reader's language where they are shown.

A proposal's rationale is a tree: a `Message` names a sentence template by its key (the names
of `texts.py`'s constants, `CAVEAT.<code>`, `SHORTFALL.<code>`) and fills its fields with raw
`Value`s (a number and how it reads: a rating, a signed %, a date…), nested messages, or
`Join`s of parts. The engine renders it in French (`render(message, FRENCH)`, the
`Proposal.rationale` every test reads); the application stores the tree (`to_json`) and
renders it at display with gettext and the locale's number and date formats, so the English
UI reads English and the French one « 2 951,49 », « 1er octobre ».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import texts


@dataclass(frozen=True, slots=True)
class Value:
    """A raw value and how it reads: `kind` is one of text, int, number, rating,
    signed_percent, share, quantity (with `unit`), metres, date, weeks, level."""

    kind: str
    value: Any
    unit: str = ""
    decimals: int = 1


@dataclass(frozen=True, slots=True)
class Message:
    key: str
    fields: tuple[tuple[str, Part], ...] = ()


@dataclass(frozen=True, slots=True)
class Join:
    """Parts side by side: `separator` is "space" (sentences) or "semicolon" (a list)."""

    items: tuple[Part, ...]
    separator: str = "space"


Part = Message | Value | Join


def message(key: str, **fields: Part) -> Message:
    return Message(key, tuple(fields.items()))


def text(value: str) -> Value:
    return Value("text", value)


class Locale(Protocol):
    """How a language writes the messages' templates, values and separators."""

    def template(self, key: str) -> str: ...

    def fill(self, template: str, fields: Mapping[str, str]) -> str: ...

    def value(self, value: Value) -> str: ...

    def separator(self, name: str) -> str: ...


def render(part: Part, locale: Locale) -> str:
    if isinstance(part, Value):
        return locale.value(part)
    if isinstance(part, Join):
        return locale.separator(part.separator).join(render(p, locale) for p in part.items)
    fields = {name: render(value, locale) for name, value in part.fields}
    return locale.fill(locale.template(part.key), fields)


# --- storage ---------------------------------------------------------------------------------


def to_json(part: Part) -> dict[str, Any]:
    if isinstance(part, Value):
        raw = part.value.isoformat() if isinstance(part.value, dt.date) else part.value
        return {"value": part.kind, "v": raw, "unit": part.unit, "decimals": part.decimals}
    if isinstance(part, Join):
        return {"join": part.separator, "items": [to_json(p) for p in part.items]}
    return {"message": part.key, "fields": {name: to_json(v) for name, v in part.fields}}


def from_json(data: Mapping[str, Any]) -> Part:
    if "value" in data:
        raw = data["v"]
        if data["value"] == "date" and isinstance(raw, str):
            raw = dt.date.fromisoformat(raw)
        return Value(data["value"], raw, data.get("unit", ""), data.get("decimals", 1))
    if "join" in data:
        return Join(tuple(from_json(p) for p in data["items"]), data["join"])
    return Message(
        data["message"], tuple((name, from_json(v)) for name, v in data["fields"].items())
    )


# --- the engine's own French ------------------------------------------------------------------


class French:
    """The French of `texts.py`: its templates and number formats."""

    def template(self, key: str) -> str:
        return texts.TEMPLATES[key]

    def fill(self, template: str, fields: Mapping[str, str]) -> str:
        return template.format(**fields)

    def value(self, value: Value) -> str:
        v = value.value
        if value.kind == "text":
            return str(v)
        if value.kind == "int":
            return str(v)
        if value.kind == "number":
            return texts.number(float(v), value.decimals)
        if value.kind == "rating":
            return texts.rating(float(v))
        if value.kind == "signed_percent":
            return texts.signed_percent(float(v))
        if value.kind == "share":
            return texts.share(float(v))
        if value.kind == "quantity":
            return texts.quantity(float(v), value.unit)
        if value.kind == "metres":
            return texts.metres(float(v))
        if value.kind == "date":
            return texts.date(v)
        if value.kind == "weeks":
            return texts.weeks(int(v))
        if value.kind == "level":
            return texts.level(float(v))
        raise ValueError(value.kind)

    def separator(self, name: str) -> str:
        return {"space": " ", "semicolon": " ; "}[name]


FRENCH = French()
