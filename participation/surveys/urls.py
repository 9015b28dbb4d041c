from django.urls import path

from participation.panels import views as panel_views
from participation.surveys import views

app_name = "surveys"
urlpatterns = [
    path("services/enquetes/import/", views.survey_import_view, name="import"),
    # The panel's choice to count survey answers, posted from its manage page.
    path(
        "panels-citoyens/<slug:slug>/gerer/enquetes/",
        panel_views.survey_counting_view,
        name="panel_counting",
    ),
]
