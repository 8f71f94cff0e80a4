from django.urls import path

from reunions import views

app_name = "reunions"

urlpatterns = [
    path("", views.reunion_list, name="reunion_list"),
    path("nouvelle/", views.reunion_create, name="reunion_create"),
    path("<int:reunion>/", views.reunion_detail, name="reunion_detail"),
    path("<int:reunion>/inviter/", views.reunion_invite, name="reunion_invite"),
    path("<int:reunion>/deplacer/", views.reunion_move, name="reunion_move"),
    path("<int:reunion>/annuler/", views.reunion_cancel, name="reunion_cancel"),
    path("<int:reunion>/presences/", views.attendance, name="attendance"),
    path("<int:reunion>/emargement.pdf", views.attendance_sheet, name="attendance_sheet"),
    path("reponse/<str:token>/", views.rsvp, name="rsvp"),
]
