from django.urls import path

from relais import views

app_name = "relais"

urlpatterns = [
    path("quartiers/", views.quartier_list, name="quartier_list"),
    path("quartiers/nouveau/", views.quartier_edit, name="quartier_create"),
    path("quartiers/<int:quartier>/modifier/", views.quartier_edit, name="quartier_edit"),
    path("residences/", views.residence_list, name="residence_list"),
    path("residences/nouvelle/", views.residence_edit, name="residence_create"),
    path("residences/<int:residence>/", views.residence_detail, name="residence_detail"),
    path("residences/<int:residence>/modifier/", views.residence_edit, name="residence_edit"),
    path("relais/", views.relais_list, name="relais_list"),
    path("relais/nouveau/", views.relais_create, name="relais_create"),
    path("relais/<int:relais>/", views.relais_detail, name="relais_detail"),
    path("relais/<int:relais>/modifier/", views.relais_edit, name="relais_edit"),
    path("relais/<int:relais>/statut/", views.relais_status, name="relais_status"),
    path("relais/<int:relais>/echanges/nouveau/", views.contact_add, name="contact_add"),
    path("relais/<int:relais>/inviter/", views.relais_invite, name="relais_invite"),
    path("import/residences/", views.import_residences, name="import_residences"),
    path("import/relais/", views.import_relais, name="import_relais"),
    path("import/<int:job>/", views.import_job, name="import_job"),
    path("import/<int:job>/etat/", views.import_job_state, name="import_job_state"),
    path("equipe/", views.team, name="team"),
]
