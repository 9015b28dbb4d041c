from django.urls import path

from participation.indicators import views as definition_views
from participation.panels import views as panel_views
from participation.profiles import views as profile_views

app_name = "participation"
P = "panels-citoyens/<slug:slug>/"
urlpatterns = [
    path("profil/", profile_views.profile_view, name="profile"),
    path("panels-citoyens/", panel_views.panel_list_view, name="panels"),
    path("nouveau-panel-citoyen/", panel_views.panel_create_view, name="panel_create"),
    path(P, panel_views.panel_detail_view, name="panel"),
    path(P + "journal/", panel_views.panel_log_view, name="log"),
    path(P + "rejoindre/", panel_views.join_request_view, name="join"),
    path(P + "invitations/<int:pk>/", panel_views.invitation_answer_view, name="answer_invitation"),
    path(P + "gerer/", panel_views.panel_manage_view, name="manage"),
    path(
        P + "gerer/demandes/<int:pk>/", panel_views.join_request_decide_view, name="decide_request"
    ),
    path(P + "gerer/inviter/", panel_views.invite_view, name="invite"),
    path(P + "gerer/regle/", panel_views.rule_view, name="rule"),
    path(P + "proposer/", definition_views.propose_view, name="propose"),
    path(P + "propositions/<int:pk>/", definition_views.proposal_detail_view, name="proposal"),
    path(P + "propositions/<int:pk>/modifier/", definition_views.proposal_edit_view, name="edit"),
    path(P + "propositions/<int:pk>/position/", definition_views.stance_view, name="stance"),
    path(P + "propositions/<int:pk>/commenter/", definition_views.comment_view, name="comment"),
    path(P + "propositions/<int:pk>/adopter/", definition_views.adopt_view, name="adopt"),
    path(P + "propositions/<int:pk>/clore/", definition_views.close_view, name="close"),
    path(P + "propositions/<int:pk>/retirer/", definition_views.retire_view, name="retire"),
]
