"""Start-up checks of the evaluation's settings (`manage.py check`, run by every command)."""

from __future__ import annotations

from typing import Any

import holidays
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

ERROR_SUBDIVISION = "tactique.E101"


def known_subdivisions() -> list[str]:
    """France's subdivisions in the `holidays` library, codes then aliases."""
    france = holidays.country_holidays("FR")
    return [*france.subdivisions, *getattr(france, "subdivisions_aliases", {})]


@checks.register()
def holiday_subdivision_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """TACTIQUE_HOLIDAY_SUBDIVISION, when set, must be a subdivision `holidays` knows: a typo
    would otherwise make every evaluation fail, or silently keep regional holidays in."""
    value = settings.TACTIQUE_HOLIDAY_SUBDIVISION
    if not value or value in known_subdivisions():
        return []
    return [
        checks.Error(
            _(
                "TACTIQUE_HOLIDAY_SUBDIVISION = “%(value)s” is not a French subdivision known to "
                "the holidays library."
            )
            % {"value": value},
            hint=_("Use one of: %(codes)s (empty for metropolitan France).")
            % {"codes": ", ".join(known_subdivisions())},
            id=ERROR_SUBDIVISION,
        )
    ]
