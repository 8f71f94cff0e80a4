from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("relais/<int:relais>/", views.person, name="person"),
    path("relais/<int:relais>/consentements/", views.person_consents, name="person_consents"),
    path("relais/<int:relais>/export/", views.person_export, name="person_export"),
    path("relais/<int:relais>/export.json", views.person_export, {"fmt": "json"}, name="person_export_json"),
    path("relais/<int:relais>/demande/", views.person_request, name="person_request"),
    path("relais/<int:relais>/effacer/", views.person_erase, name="person_erase"),
    path("textes-signales/", views.flags, name="flags"),
    path("textes-signales/<int:flag>/", views.flag_review, name="flag_review"),
    path("journal/", views.journal, name="journal"),
    path("mes-donnees/", views.mine, name="mine"),
    path("mes-donnees/export.json", views.mine_export, name="mine_export"),
]
