"""Slugs: the readable, unique part of an address (`/amenagements/<slug>/`); and folding,
so that what people type in files matches whatever its case, accents and separators."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import Model
from django.utils.text import slugify

# Room left in the slug field for the "-N" that makes a taken slug unique.
SUFFIX_ROOM = 10


def unique_slug(model: type[Model], text: str, *, fallback: str) -> str:
    """A slug of `text` that no row of `model` has yet: the slugified text (`fallback` when
    nothing of it survives, e.g. only punctuation), then `-2`, `-3`… Cut to fit the model's
    `slug` field with the suffix. Call it in the transaction that saves the row; the unique
    constraint on the field stays the guard against a concurrent writer."""
    max_length = getattr(model._meta.get_field("slug"), "max_length", None) or 50
    base = slugify(text)[: max_length - SUFFIX_ROOM] or fallback
    manager: Any = model._default_manager
    slug, n = base, 1
    while manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def fold(text: str) -> str:
    """Case, accents and separators folded: « Séparation ajoutée », "separation_ajoutee" and
    "Rue_Piétonne"/"rue piétonne" each read the same (words joined by one space)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.split(r"[\s_\-'’.]+", text)).strip()
