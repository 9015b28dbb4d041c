from django.urls import path

from participation.contributions import views

app_name = "contributions"
A = "amenagements/<slug:slug>/avis/"
urlpatterns = [
    path(A, views.contribute_view, name="contribute"),
    path(A + "localiser/", views.locate_view, name="locate"),
    path(A + "commentaires/", views.items_view, name="items"),
    path("avis/<int:pk>/signaler/", views.report_view, name="report"),
    path("moderation/", views.moderation_queue_view, name="moderation"),
    path("moderation/<int:pk>/", views.moderate_view, name="moderate"),
    path("api/avis/notes.json", views.colour_view, name="colour"),
]
