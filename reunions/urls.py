from django.urls import path, register_converter

from core.security import TokenConverter
from reunions import views

app_name = "reunions"
register_converter(TokenConverter, "token")

urlpatterns = [
    path("", views.reunion_list, name="reunion_list"),
    path("nouvelle/", views.reunion_create, name="reunion_create"),
    path("rappels/", views.reminder_settings, name="reminder_settings"),
    path("<int:reunion>/", views.reunion_detail, name="reunion_detail"),
    path("<int:reunion>/inviter/", views.reunion_invite, name="reunion_invite"),
    path("<int:reunion>/deplacer/", views.reunion_move, name="reunion_move"),
    path("<int:reunion>/annuler/", views.reunion_cancel, name="reunion_cancel"),
    path("<int:reunion>/presences/", views.attendance, name="attendance"),
    path("<int:reunion>/presences/ajouter/", views.participant_add, name="participant_add"),
    path("<int:reunion>/presences/liste/", views.presences, name="presences"),
    path("<int:reunion>/emargement.pdf", views.attendance_sheet, name="attendance_sheet"),
    path("<int:reunion>/invitations-papier/", views.paper_invitations, name="paper_invitations"),
    path("<int:reunion>/compte-rendu/", views.minutes, name="minutes"),
    path("<int:reunion>/compte-rendu/publier/", views.minutes_publish, name="minutes_publish"),
    path("<int:reunion>/actions/nouvelle/", views.action_add, name="action_add"),
    path("<int:reunion>/suite/", views.reunion_next, name="reunion_next"),
    path("actions/<int:action>/statut/", views.action_status, name="action_status"),
    path("mes-reunions/", views.my_reunions, name="my_reunions"),
    path("mes-reunions/<int:reunion>/", views.my_reunion, name="my_reunion"),
    path("<int:reunion>/compte-rendu.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("agenda/", views.calendar, name="calendar"),
    path("agenda/<token:feed_token>.ics", views.calendar_feed, name="calendar_feed"),
    # Links sent by message: the signed link is the door, no login.
    path("reponse/<token:token>/", views.rsvp, name="rsvp"),
    path("compte-rendu/<token:minutes_token>/", views.minutes_public, name="minutes_public"),
]
