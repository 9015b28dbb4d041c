"""What every map of the site is drawn with: tiles, their attribution, centre and zoom."""

from __future__ import annotations

from django.conf import settings


def map_settings() -> dict[str, object]:
    """What every map's `data-` attributes need: tiles, their attribution, centre and zoom."""
    return {
        "tile_url": settings.TACTIQUE_TILE_URL,
        "tile_attribution": settings.TACTIQUE_TILE_ATTRIBUTION,
        "center": settings.TACTIQUE_MAP_CENTER,
        "zoom": settings.TACTIQUE_MAP_ZOOM,
    }
