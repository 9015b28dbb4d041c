from django.urls import path

from pages import views

app_name = "pages"
urlpatterns = [
    path("", views.map_view, name="map"),
    path("amenagements/<slug:slug>/", views.amenagement_view, name="amenagement"),
    path("amenagements/<slug:slug>/resume/", views.summary_view, name="summary"),
    path("evaluations/", views.overview_view, name="overview"),
    path("services/", views.services_view, name="services"),
    path("accessibilite/", views.accessibility_view, name="accessibility"),
]
