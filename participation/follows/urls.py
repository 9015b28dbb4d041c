from django.urls import path

from participation.follows import views

app_name = "follows"
urlpatterns = [
    path("suivre/amenagement/<slug:slug>/", views.follow_arrangement_view, name="arrangement"),
    path("suivre/commune/<slug:slug>/", views.follow_commune_view, name="commune"),
    path("desabonnement/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
