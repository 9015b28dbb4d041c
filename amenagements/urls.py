from django.urls import path

from amenagements import views

app_name = "amenagements"
urlpatterns = [
    path("", views.map_view, name="map"),
    path("api/amenagements.geojson", views.geojson_view, name="geojson"),
    path("amenagements/<slug:slug>/", views.detail_view, name="detail"),
    path("amenagements/<slug:slug>/resume/", views.summary_view, name="summary"),
    path("amenagements/<slug:slug>/adapter/", views.adaptation_create_view, name="adapt"),
    path(
        "amenagements/<slug:slug>/prevues/<int:pk>/annuler/",
        views.planned_cancel_view,
        name="planned_cancel",
    ),
]
