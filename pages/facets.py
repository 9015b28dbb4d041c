"""Filter groups shown as links (faceted search that works without JavaScript): the map's and
the overview's. The counts come from `amenagements.facets`."""

from __future__ import annotations

from typing import Any

from django.utils.http import urlencode

from amenagements.facets import Facet, FacetFilters


def facet_group(filters: FacetFilters, key: str, facet: Facet, label: str = "") -> dict[str, Any]:
    """One filter group as links: one per value (with its count) and one to clear the group.

    `filters` has an attribute per key and `as_query(**changes)` (the map's and the overview's
    filters); `facet` is a selector's `[(value, label, count), …]`.
    """
    current = getattr(filters, key)
    return {
        "key": key,
        "label": label,
        "options": [
            {
                "label": text,
                "count": count,
                "query": urlencode(filters.as_query(**{key: value})),
                "active": value == current,
                "value": value,
            }
            for value, text, count in facet
        ],
        "clear_query": urlencode(filters.as_query(**{key: ""})),
        "active": bool(current),
    }
