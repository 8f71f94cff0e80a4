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
