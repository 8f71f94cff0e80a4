from django.contrib import admin
from django.urls import include, path

from espace import views as espace_views
from relais import health
from relais import views as relais_views

urlpatterns = [
    path("", relais_views.home, name="home"),
    path("sante/", health.health, name="health"),
    path("plancher/", relais_views.floor, name="floor"),
    path("sw.js", espace_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", espace_views.manifest, name="manifest"),
    path("comptes/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("relais.urls")),
    path("reunions/", include("reunions.urls")),
    path("remontees/", include("remontees.urls")),
    path("initiatives/", include("initiatives.urls")),
    path("bilans/", include("bilans.urls")),
    path("espace/", include("espace.urls")),
    path("donnees/", include("privacy.urls")),
]

# A database out of reach answers a clean 503 in French; anything else, the 500 page.
handler500 = "relais.errors.server_error"
