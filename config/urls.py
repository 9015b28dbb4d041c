from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from config.health import healthz_view
from opendata.api import api

# Error pages in French (templates/400.html… 500.html); the 400 says what a view refused.
handler400 = "common.views.bad_request"

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz_view, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("comptes/", include("allauth.urls")),
    # The read-only API (OpenAPI 3, docs at /api/v1/docs) and the open data downloads.
    path("api/v1/", api.urls),
    path("", include("opendata.urls")),
    path("", include("participation.urls")),
    path("", include("participation.contributions.urls")),
    path("", include("participation.privacy.urls")),
    path("", include("participation.follows.urls")),
    path("", include("participation.indicators.urls")),
    path("", include("participation.surveys.urls")),
    path("", include("evaluation.urls")),
    path("", include("usage.urls")),
    path("", include("amenagements.urls")),
    path("", include("pages.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
