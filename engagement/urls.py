from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("engagement/relais-a-risque/", views.at_risk, name="at_risk"),
    path("engagement/relais-a-risque/<int:relais>/appel-prevu/", views.call_planned, name="call_planned"),
    path("engagement/heures/", views.hours, name="hours"),
    path("engagement/reglages/", views.settings_edit, name="settings"),
    path("engagement/reunions/<int:reunion>/temps/", views.reunion_minutes, name="reunion_minutes"),
    path("engagement/initiatives/<int:initiative>/temps/", views.initiative_minutes, name="initiative_minutes"),
    path("engagement/attestations/", views.attestations, name="attestations"),
    path("engagement/attestations/avancement/", views.run_state, name="run_state"),
    path("engagement/attestations/<int:attestation>/attestation.pdf", views.attestation_file, name="file"),
    path("engagement/relais/<int:relais>/attestation/", views.attestation_issue, name="issue"),
    path("espace/mes-attestations/", views.mine, name="mine"),
    path("espace/mes-attestations/<int:annee>/attestation.pdf", views.my_attestation, name="my_attestation"),
]
