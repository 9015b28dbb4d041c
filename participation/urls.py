from django.urls import path

from participation import views

app_name = "participation"
P = "panels-citoyens/<slug:slug>/"
urlpatterns = [
    path("profil/", views.profile_view, name="profile"),
    path("panels-citoyens/", views.panel_list_view, name="panels"),
    path(P, views.panel_detail_view, name="panel"),
    path(P + "journal/", views.panel_log_view, name="log"),
    path(P + "rejoindre/", views.join_request_view, name="join"),
    path(P + "invitations/<int:pk>/", views.invitation_answer_view, name="answer_invitation"),
    path(P + "gerer/", views.panel_manage_view, name="manage"),
    path(P + "gerer/demandes/<int:pk>/", views.join_request_decide_view, name="decide_request"),
    path(P + "gerer/inviter/", views.invite_view, name="invite"),
    path(P + "gerer/regle/", views.rule_view, name="rule"),
    path(P + "proposer/", views.propose_view, name="propose"),
    path(P + "propositions/<int:pk>/", views.proposal_detail_view, name="proposal"),
    path(P + "propositions/<int:pk>/modifier/", views.proposal_edit_view, name="edit"),
    path(P + "propositions/<int:pk>/position/", views.stance_view, name="stance"),
    path(P + "propositions/<int:pk>/commenter/", views.comment_view, name="comment"),
    path(P + "propositions/<int:pk>/adopter/", views.adopt_view, name="adopt"),
    path(P + "propositions/<int:pk>/clore/", views.close_view, name="close"),
    path(P + "propositions/<int:pk>/retirer/", views.retire_view, name="retire"),
]
