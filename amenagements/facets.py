"""Facet counts of a filtered list of arrangements (faceted search): for each filter, the values
present and how many arrangements each would give, with the *other* filters applied, so a page
offers only choices that lead somewhere. One rule for the map (`selectors.filter_facets`) and
the city overview (`evaluation.overview.overview_facets`).

`queryset_for(filters)` is the page's filtered queryset; `filters` a frozen dataclass whose
fields are the filters, "" meaning "any". A facet is `[(value, label, count), …]`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Count, QuerySet

Filters = TypeVar("Filters")
Facet = list[tuple[str, Any, int]]


def _without(
    queryset_for: Callable[[Filters], QuerySet[Any]], filters: Filters, key: str
) -> QuerySet[Any]:
    """The rows the other filters give: `key` reset to "any"."""
    return queryset_for(dataclasses.replace(filters, **{key: ""}))  # type: ignore[type-var]


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
