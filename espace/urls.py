from django.urls import path

from espace import views

app_name = "espace"

urlpatterns = [
    path("", views.home, name="home"),
    path("activite/", views.activity, name="activity"),
    path("activite/equipe/", views.team_activity, name="team_activity"),
    path("guide/", views.guide, name="guide"),
    path("annuaire/", views.directory, name="directory"),
    path("annonces/", views.announcements, name="announcements"),
    path("annonces/nouvelle/", views.announcement_create, name="announcement_create"),
    path("annonces/<int:annonce>/", views.announcement, name="announcement"),
    path("annonces/<int:annonce>/envoyer/", views.announcement_send, name="announcement_send"),
    path("annonces/<int:annonce>/lue/", views.announcement_read, name="announcement_read"),
    path("annonces/<int:annonce>/papier/", views.announcement_paper, name="announcement_paper"),
    path("annonces/pieces/<int:piece>/", views.announcement_file, name="announcement_file"),
    path("a/<str:short>/", views.announcement_short, name="announcement_short"),
    path("annuaire/moi/", views.directory_me, name="directory_me"),
    path("guide/modifier/", views.guide_edit, name="guide_edit"),
]
