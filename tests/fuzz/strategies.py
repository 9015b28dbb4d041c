"""Hostile values: what an attacker (or a broken client) sends instead of what a page expects.

Text with NUL and other control characters, digits that are not ASCII (`²`, `١`), numbers too
large for any column, dates that do not exist, markup, oversized values, bytes that are not
UTF-8; and path arguments that match the pattern's converter without naming anything real."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m",
    "²",
    "١٢٣",
    "𝟗",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "9" * 25,
    "-" + "9" * 25,
    "2020-02-30",
    "0001-01-01",
    "9999-12-31",
    "25:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "%",
    "../../etc/passwd",
    "\u202e\ufeff",
    "\r\n",
    "true",
    "null",
    "[]",
    "{}",
    '{"type":"Point","coordinates":[4.83,45.76]}',
    '{"type":"LineString","coordinates":[[4.83,45.76]]}',
    '{"type":"LineString","coordinates":[[4.83,45.76],[1e400,45.77]]}',
    '{"type":"LineString","coordinates":[[1000,45.76],[4.84,95.76]]}',
    "SRID=999999;LINESTRING(0 0, 1 1)",
    "SRID=4326;POINT(0 0)",
    "POLYGON((0 0,1 1,0 0))",
    "Europe/Nowhere",
    "é" * 300,
]
NOT_UTF8 = [b"\xff\xfe", b"caf\xe9", b"\xc3\x28", b"\xed\xa0\x80", b"\x80abc"]

hostile_text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Co", "Zl"]), min_size=1, max_size=5),
    st.sampled_from([2_001, 10_001, 100_001]).map(lambda n: "x" * n),
)


def as_bytes(text: str) -> bytes:
    """Text as UTF-8, lone surrogates included (they make invalid UTF-8: hostile too)."""
    return text.encode("utf-8", "surrogatepass")


hostile_bytes = st.one_of(hostile_text.map(as_bytes), st.sampled_from(NOT_UTF8))


def quoted(value: bytes, *, safe: str = "") -> str:
    return quote_from_bytes(value, safe=safe)


# Parameters the views read from the query string (and a few any site is probed with).
QUERY_KEYS = [
    "page",
    "bbox",
    "kind",
    "status",
    "commune",
    "outcome",
    "format",
    "avis",
    "display",
    "lon",
    "lat",
    "etat",
    "indicateur",
    "revise",
    "prevue",
    "next",
    "q",
    "o",
    "p",
    "e",
    "_changelist_filters",
    "_popup",
    "_to_field",
]


def query_string() -> st.SearchStrategy[str]:
    pair = st.tuples(
        st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8)).map(as_bytes),
        hostile_bytes,
    )
    return st.lists(pair, max_size=4).map(
        lambda pairs: "&".join(f"{quoted(k)}={quoted(v)}" for k, v in pairs)
    )


def path_argument(regex: str, valid: list[str]) -> st.SearchStrategy[str]:
    """A path argument, percent-encoded: a real value, anything the converter accepts, or
    hostile text (which the resolver may refuse with a 404, as it should)."""
    choices = [
        st.from_regex(regex, fullmatch=True).filter(lambda s: len(s) < 400).map(as_bytes),
        hostile_bytes,
    ]
    if valid:
        choices.insert(0, st.sampled_from(valid).map(as_bytes))
    safe = "/" if regex in {".+", ".*"} else ""
    return st.one_of(*choices).map(lambda b: quoted(b, safe=safe))


# What a field of each type is given when the page gives it no value, to get past its checks.
PLAUSIBLE = {
    "text": "Texte de 12 mots",
    "textarea": "Un commentaire ordinaire.",
    "number": "3",
    "date": "2020-06-01",
    "time": "08:30",
    "email": "habitante@example.org",
    "password": "un mot de passe solide 2026",
}


def field_value(original: list[str], kind: str) -> st.SearchStrategy[bytes | None]:
    """What a form field is sent: mostly its own (or a plausible) value, to get past the
    checks of the other fields; sometimes a hostile value, or nothing at all (None)."""
    own = [v for v in original if v] or [PLAUSIBLE.get(kind, "1")]
    return st.integers(0, 9).flatmap(
        lambda draw: (
            st.sampled_from(own).map(as_bytes)
            if draw < 6
            else (hostile_bytes if draw < 9 else st.none())
        )
    )
