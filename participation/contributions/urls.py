from django.urls import path

from participation.contributions import moderation_views, views

app_name = "contributions"
A = "amenagements/<slug:slug>/avis/"
urlpatterns = [
    path(A, views.contribute_view, name="contribute"),
    path(A + "localiser/", views.locate_view, name="locate"),
    path(A + "commentaires/", views.items_view, name="items"),
    path("avis/<int:pk>/signaler/", views.report_view, name="report"),
    path("moderation/", views.moderation_queue_view, name="moderation"),
    path("moderation/<int:pk>/", views.moderate_view, name="moderate"),
    path(
        "panels/commentaires/<int:pk>/signaler/",
        moderation_views.panel_comment_report_view,
        name="panel_comment_report",
    ),
    path(
        "moderation/panels/<int:pk>/",
        moderation_views.panel_comment_moderate_view,
        name="panel_comment_moderate",
    ),
    path(
        "moderation/comptes/<int:pk>/suspendre/",
        moderation_views.account_suspend_view,
        name="account_suspend",
    ),
    path(
        "moderation/comptes/<int:pk>/retablir/",
        moderation_views.account_reinstate_view,
        name="account_reinstate",
    ),
    path("api/avis/notes.json", views.colour_view, name="colour"),
]
