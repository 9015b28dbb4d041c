from django.urls import path

from participation.indicators import views

app_name = "indicators"
# Only the catalogue lives under /indicateurs/; an indicator's versions live under the panel
# that adopted them (its code is unique within that panel). Proposing and deliberating are
# panel pages (`participation.urls`).
urlpatterns = [
    path("indicateurs/", views.catalogue_view, name="catalogue"),
    path(
        "panels-citoyens/<slug:panel>/indicateurs/<slug:code>/",
        views.lineage_view,
        name="lineage",
    ),
    path(
        "panels-citoyens/<slug:panel>/indicateurs/<slug:code>/v<int:version>/",
        views.lineage_view,
        name="version",
    ),
]
