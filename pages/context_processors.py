"""What every page's header needs beyond Django's own: for staff, the number of things the
services' dashboard says need attention (`pages.dashboard.attention_count`)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from pages.dashboard import attention_count

# The count is the same for every staff member and changes slowly: computed once a minute, and
# only when a page shows it.
CACHE_KEY = "pages:services-attention"
CACHE_SECONDS = 60


def _count() -> int:
    count = cache.get(CACHE_KEY)
    if count is None:
        count = attention_count(today=timezone.localdate())
        cache.set(CACHE_KEY, count, CACHE_SECONDS)
    return int(count)


def services_attention(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {}
    return {"services_attention": SimpleLazyObject(_count)}
