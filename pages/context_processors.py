"""What every page's header needs beyond Django's own: for staff, the number of things the
services' dashboard says need attention (`pages.dashboard.attention_count`)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from amenagements.permissions import commune_scope
from pages.dashboard import Communes, attention_count

# The count is the same for every staff member of one scope (every commune, or the same
# communes) and changes slowly: computed once a minute per scope, and only when a page shows it.
CACHE_KEY = "pages:services-attention"
CACHE_SECONDS = 60


def _count(communes: Communes) -> int:
    key = CACHE_KEY if communes is None else f"{CACHE_KEY}:{','.join(map(str, sorted(communes)))}"
    count = cache.get(key)
    if count is None:
        count = attention_count(today=timezone.localdate(), communes=communes)
        cache.set(key, count, CACHE_SECONDS)
    return int(count)


def services_attention(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {}
    return {"services_attention": SimpleLazyObject(lambda: _count(commune_scope(user)))}
