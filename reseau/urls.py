from django.urls import path

from reseau import views

app_name = "reseau"

urlpatterns = [
    path("reseau/", views.home, name="home"),
    path("reseau/<int:network>/chiffres/", views.dashboard, name="dashboard"),
    path("reseau/<int:network>/chiffres/actualiser/", views.refresh, name="refresh"),
    path("reseau/<int:network>/partage/", views.sharing, name="sharing"),
    path("reseau/<int:network>/reunions/", views.meetings, name="meetings"),
    path("reseau/reunions/<int:reunion>/invites/", views.guests, name="guests"),
    path("bibliotheque/", views.library, name="library"),
    path("bibliotheque/ajouter/", views.document_add, name="document_add"),
    path("bibliotheque/<int:document>/", views.document_detail, name="document"),
    path("bibliotheque/<int:document>/version/", views.version_add, name="version_add"),
    path("bibliotheque/version/<int:version>/", views.version_file, name="version_file"),
]

urlpatterns += [
    path("reseau/projets/", views.projects, name="projects"),
    path("reseau/projets/nouveau/", views.project_add, name="project_add"),
    path("reseau/projets/<int:project>/", views.project_detail, name="project"),
    path("reseau/projets/<int:project>/modifier/", views.project_edit, name="project_edit"),
    path("reseau/projets/<int:project>/fonds/", views.fund_add, name="fund_add"),
    path("reseau/reunions/<int:reunion>/point-des-accompagnateurs/", views.committee_agenda, name="committee_agenda"),
    path("reseau/appels/", views.calls, name="calls"),
    path("reseau/appels/nouveau/", views.call_add, name="call_add"),
    path("reseau/appels/<int:call>/", views.call_detail, name="call"),
    path("reseau/appels/<int:call>/candidater/", views.apply, name="apply"),
    path("reseau/candidatures/<int:application>/", views.application_detail, name="application"),
    path("reseau/candidatures/<int:application>/notes/", views.application_score, name="application_score"),
    path("reseau/candidatures/<int:application>/decision/", views.application_decision, name="application_decision"),
]
