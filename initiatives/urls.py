from django.urls import path

from initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("nouvelle/", views.create, name="create"),
    path("proposer/", views.propose, name="propose"),
    path("mes-initiatives/", views.mine, name="mine"),
    path("raconter/", views.tell, name="tell"),
    path("entre-relais/", views.shared, name="shared"),
    path("entre-relais/<int:initiative>/", views.shared_detail, name="shared_detail"),
    path("entre-relais/photos/<int:photo>.jpg", views.shared_photo, name="shared_photo"),
    path("types/", views.kinds, name="kinds"),
    path("carte/", views.map_page, name="map"),
    path("carte.json", views.map_data, name="map_data"),
    path("logistique/", views.stock, name="stock"),
    path("logistique/<int:logistics>/decision/", views.logistics_decide, name="logistics_decide"),
    path("subventions/", views.grants, name="grants"),
    path("subventions/<int:grant>/decision/", views.grant_decide, name="grant_decide"),
    path("photos/<int:photo>.jpg", views.photo, name="photo"),
    path("<int:initiative>/", views.detail, name="detail"),
    path("<int:initiative>/modifier/", views.edit, name="edit"),
    path("<int:initiative>/statut/", views.set_status, name="set_status"),
    path("<int:initiative>/apres/", views.report, name="report"),
    path("<int:initiative>/logistique/", views.logistics_new, name="logistics_new"),
    path("<int:initiative>/subvention/", views.grant_new, name="grant_new"),
]
