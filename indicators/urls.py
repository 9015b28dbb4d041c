from django.urls import path

from indicators import views

app_name = "indicators"
# The staff button that runs an evaluation posts under the arrangement's address.
# Only the catalogue lives under /indicateurs/; an indicator's versions live under the panel
# that adopted them (its code is unique within that panel).
urlpatterns = [
    path("indicateurs/", views.catalogue_view, name="catalogue"),
    path("evaluations/", views.overview_view, name="overview"),
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
    path("amenagements/<slug:slug>/evaluer/", views.evaluation_run_view, name="evaluation_run"),
    path("amenagements/<slug:slug>/propositions/<int:pk>/", views.proposal_view, name="proposal"),
]
