from django.urls import path

from espace import views

app_name = "espace"

urlpatterns = [
    path("", views.home, name="home"),
    path("activite/", views.activity, name="activity"),
    path("activite/equipe/", views.team_activity, name="team_activity"),
    path("guide/", views.guide, name="guide"),
    path("annuaire/", views.directory, name="directory"),
    path("annuaire/moi/", views.directory_me, name="directory_me"),
    path("guide/modifier/", views.guide_edit, name="guide_edit"),
]
