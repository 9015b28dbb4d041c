from django.urls import path

from evaluation import views

app_name = "evaluation"
# The staff button that runs an evaluation posts under the arrangement's address.
urlpatterns = [
    path("amenagements/<slug:slug>/evaluer/", views.evaluation_run_view, name="run"),
    path("amenagements/<slug:slug>/propositions/<int:pk>/", views.proposal_view, name="proposal"),
]
