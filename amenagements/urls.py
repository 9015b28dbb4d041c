from django.urls import path

from amenagements import views
from amenagements.bulk import views as bulk_views

app_name = "amenagements"
urlpatterns = [
    path("api/amenagements.geojson", views.geojson_view, name="geojson"),
    path("amenagements-nouveau/", views.amenagement_create_view, name="create"),
    path("amenagements/<slug:slug>/adapter/", views.adaptation_create_view, name="adapt"),
    path(
        "amenagements-adaptations/import/",
        bulk_views.adaptations_import_view,
        name="adaptations_import",
    ),
    path(
        "amenagements/<slug:slug>/prevues/<int:pk>/annuler/",
        views.planned_cancel_view,
        name="planned_cancel",
    ),
]
