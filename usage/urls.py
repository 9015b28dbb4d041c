from django.urls import path

from usage import views

app_name = "usage"
urlpatterns = [
    path("api/compteurs.geojson", views.counters_geojson_view, name="counters_geojson"),
    path("comptages/import/", views.import_view, name="import"),
    path("comptages/import/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("comptages/import/<int:pk>/rejets.csv", views.import_rejects_view, name="import_rejects"),
    path(
        "amenagements/<slug:slug>/comptage-manuel/",
        views.manual_count_create_view,
        name="manual_count",
    ),
]
