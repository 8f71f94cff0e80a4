from django.urls import path

from remontees import views

app_name = "remontees"

urlpatterns = [
    path("", views.board, name="board"),
    path("nouvelle/", views.create, name="create"),
    path("themes/", views.themes, name="themes"),
    path("mes-remontees/", views.mine, name="mine"),
    path("signaler/", views.report, name="report"),
    path("<int:remontee>/", views.detail, name="detail"),
    path("<int:remontee>/statut/", views.set_status, name="set_status"),
    path("<int:remontee>/attribuer/", views.assign, name="assign"),
    path("<int:remontee>/rouvrir/", views.reopen, name="reopen"),
    path("<int:remontee>/photo.jpg", views.photo, name="photo"),
    path("residence/<int:residence>/", views.residence_page, name="residence"),
    path("residence/<int:residence>/affiche.pdf", views.residence_poster, name="residence_poster"),
    path("<int:remontee>/transmettre/", views.hand_off, name="hand_off"),
    path("<int:remontee>/confirmer/", views.confirm, name="confirm"),
    path("services/", views.services_directory, name="services"),
    path("transmissions/<int:handoff>/photo.jpg", views.handoff_photo, name="handoff_photo"),
    # Links sent to a service: the signed link is the door, no login.
    path("service/<str:service_token>/", views.service_answer, name="service_answer"),
    path("service/<str:service_token>/photo.jpg", views.service_photo, name="service_photo"),
    path("reunion/<int:reunion>/tour-de-table/", views.round_table, name="round_table"),
]
