from django.urls import path

from vitrine import views

app_name = "public"

urlpatterns = [
    # Public: no login, the door is the published organisation (tests/access_check.py's PUBLIC_VIEWS).
    path("p/<slug:organisation>/", views.page, name="page"),
    path("p/<slug:organisation>/integration/", views.embed, name="embed"),
    path("p/<slug:organisation>/photos/<int:photo>.jpg", views.photo, name="photo"),
    path("p/<slug:organisation>/devenir-relais/", views.candidate, name="candidate"),
    path("p/<slug:organisation>/devenir-relais/merci/", views.thanks, name="thanks"),
    path("p/<slug:organisation>/rendez-vous/<int:initiative>/", views.event, name="event"),
    # Staff.
    path("page-publique/", views.settings_page, name="settings"),
    path("page-publique/residences/<int:residence>/accueil.pdf", views.welcome_sheet, name="welcome_sheet"),
    path("page-publique/residences/<int:residence>/affiche.pdf", views.poster, name="poster"),
    path("page-publique/rendez-vous/<int:initiative>/affiche.pdf", views.event_poster, name="event_poster"),
    path("page-publique/venues/<int:attendance>/retirer/", views.attendance_remove, name="attendance_remove"),
]
