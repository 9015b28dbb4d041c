"""HTTP caching of the public map layers: the GeoJSON every visitor of the map fetches.

Rules (`geojson_response`), for a successful (200) response only:
- its ETag is the MD5 of the body (Django's `set_response_etag`): a change of the data, the
  filters or the bbox changes it, and nothing else does;
- a request whose `If-None-Match` holds that ETag gets a 304 with no body (Django's
  `get_conditional_response`);
- `Cache-Control: public, max-age=60`: the layer is the same for everyone, and it changes only
  when the services record an adaptation or an import runs. A browser or proxy reuses it for a
  minute without asking, then revalidates with the ETag, which costs a 304 and no transfer.
  One minute is how stale the map may be after a change;
- the body is gzipped when the client accepts it (`Vary: Accept-Encoding`, on the 304 too):
  300 kB of GeoJSON become ~60 kB. Compression is per view, never a global middleware: a page
  with a CSRF token must not be compressed (BREACH). The gzipped ETag is the weak form of the
  same tag (RFC 9110 8.8.1), which `If-None-Match` still matches.

Error responses (a 400 for a malformed bbox) are passed through untouched: nothing to cache.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)

GEOJSON_MAX_AGE = 60  # seconds; see the module's rules
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as Django's GZipMiddleware reads Accept-Encoding

View = Callable[..., HttpResponse]


@functools.lru_cache(maxsize=16)
def gzipped(content: bytes) -> bytes:
    """`content` compressed as GZipMiddleware would (level 6), once per process for a body
    asked again: the whole network, which every first visit of the map asks for, costs as much
    to compress (6 ms for 300 kB) as to query (5 ms). At most 16 bodies, ~6 MB per process.
    Public data only: nothing here to protect with Django's random padding (a BREACH defence
    for pages holding a secret), so the same body always gives the same bytes."""
    return gzip.compress(content, compresslevel=6, mtime=0)


def geojson_response(view: View) -> View:
    """View decorator applying the module's rules to a view that returns a GeoJSON body."""

    @functools.wraps(view)
    def cached(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        set_response_etag(response)
        patch_cache_control(response, public=True, max_age=GEOJSON_MAX_AGE)
        patch_vary_headers(response, ["Accept-Encoding"])
        etag = response.get("ETag")
        # Given a response, it returns that response or the 304 (with the headers above).
        response = get_conditional_response(request, etag=etag, response=response) or response
        if response.status_code == 200 and ACCEPTS_GZIP.search(
            request.headers.get("Accept-Encoding", "")
        ):
            compressed = gzipped(response.content)
            if len(compressed) < len(response.content):  # not so for an empty collection
                response.content = compressed
                response.headers["Content-Encoding"] = "gzip"
                if etag:
                    response.headers["ETag"] = f"W/{etag}"
        return response

    return cached
