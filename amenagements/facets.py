"""Filters of a list of arrangements, and their facet counts (faceted search): for each filter,
the values present and how many arrangements each would give, with the *other* filters applied,
so a page offers only choices that lead somewhere. One rule for the map
(`selectors.filter_facets`) and the city overview (`evaluation.overview.overview_facets`).

A page's filters are a `FacetFilters` dataclass, one field per filter, "" meaning "any";
`queryset_for(filters)` is the page's filtered queryset. A facet is `[(value, label, count), …]`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, ClassVar, Self, TypeVar

from django.db.models import Count, QuerySet

from common.forms import has_control_characters

# A free-text filter (a commune's slug) is cut to this length.
TEXT_FILTER_MAX = 150


@dataclasses.dataclass(frozen=True)
class FacetFilters:
    """A page's filters: subclasses declare one `str` field per filter (the order of the query
    string) and, in `CHOICES`, the values a filter may take; a filter not in `CHOICES` is free
    text (a slug)."""

    CHOICES: ClassVar[Mapping[str, Collection[str]]] = {}

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Self:
        """Read filters from a QueryDict, ignoring unknown values (and text with control
        characters) rather than failing."""
        values = {}
        for f in dataclasses.fields(cls):
            value = query.get(f.name, "")
            if f.name in cls.CHOICES:
                values[f.name] = value if value in cls.CHOICES[f.name] else ""
            elif has_control_characters(value):  # a NUL byte never reaches PostgreSQL
                values[f.name] = ""
            else:
                values[f.name] = value[:TEXT_FILTER_MAX]
        return cls(**values)

    def as_query(self, **changes: str) -> dict[str, str]:
        """These filters as query-string parameters, with `changes` applied, empties dropped."""
        values = {**dataclasses.asdict(self), **changes}
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return any(dataclasses.astuple(self))


Filters = TypeVar("Filters", bound=FacetFilters)
Facet = list[tuple[str, Any, int]]


def _without(
    queryset_for: Callable[[Filters], QuerySet[Any]], filters: Filters, key: str
) -> QuerySet[Any]:
    """The rows the other filters give: `key` reset to "any"."""
    return queryset_for(dataclasses.replace(filters, **{key: ""}))


def choices_facet(
    queryset_for: Callable[[Filters], QuerySet[Any]],
    filters: Filters,
    key: str,
    choices: Iterable[tuple[str, Any]],
) -> Facet:
    """The facet of the filter `key` over the field of the same name, in the order of
    `choices` (value, label); values no arrangement has are left out. One query."""
    counts = dict(
        _without(queryset_for, filters, key).values_list(key).annotate(n=Count("pk")).order_by()
    )
    return [(value, label, counts[value]) for value, label in choices if value in counts]


def commune_facet(queryset_for: Callable[[Filters], QuerySet[Any]], filters: Filters) -> Facet:
    """The facet of the `commune` filter (a commune's slug), communes by name. One query."""
    rows = (
        _without(queryset_for, filters, "commune")
        .filter(commune__isnull=False)
        .values_list("commune__slug", "commune__name")
        .annotate(n=Count("pk"))
        .order_by("commune__name")
    )
    return [(slug, name, n) for slug, name, n in rows]
