from django.urls import path

from parcours import views

app_name = "parcours"

urlpatterns = [
    path("", views.board, name="board"),
    path("etapes/", views.steps, name="steps"),
    path("relais/<int:relais>/", views.relais, name="relais"),
    path("guide-lu/", views.guide_read, name="guide_read"),
    path("charte/", views.charter, name="charter"),
    path("charte/publier/", views.charter_publish, name="charter_publish"),
    path("formations/", views.modules, name="modules"),
    path("formations/nouvelle/", views.module_create, name="module_create"),
    path("formations/<int:module>/", views.module, name="module"),
    path("formations/<int:module>/modifier/", views.module_edit, name="module_edit"),
    path("formations/<int:module>/session/", views.session_link, name="session_link"),
    path("formations/<int:module>/support/", views.material_add, name="material_add"),
    path("supports/<int:material>/", views.material_file, name="material_file"),
    path("mes-formations/", views.my_training, name="my_training"),
    path("sessions/<int:session>/attestation/", views.certificate_mine, name="certificate_mine"),
    path("sessions/<int:session>/attestation/<int:relais>/", views.certificate, name="certificate"),
    path("remerciements/", views.milestones, name="milestones"),
    path("remerciements/<int:milestone>/", views.milestone, name="milestone"),
]
