from django.urls import path

from opendata import views

app_name = "opendata"
urlpatterns = [
    path("donnees/", views.catalogue_view, name="catalogue"),
    # Before the generic patterns: the national file is not one of the catalogue's data sets.
    path("donnees/amenagements-cyclables.geojson", views.cyclables_view, name="cyclables"),
    path("donnees/<slug:slug>.csv", views.csv_view, name="csv"),
    path("donnees/<slug:slug>.geojson", views.geojson_view, name="geojson"),
]
