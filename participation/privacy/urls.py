from django.urls import path

from participation.privacy import views

app_name = "privacy"
urlpatterns = [
    path("confidentialite/", views.privacy_view, name="privacy"),
    path("profil/mes-donnees.json", views.personal_data_view, name="export"),
    path("profil/supprimer/", views.account_delete_view, name="delete"),
]
