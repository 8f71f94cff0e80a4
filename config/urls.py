from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from core import health
from core import views as core_views
from espace import views as espace_views
from reunions import views as reunions_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("sante/", health.health, name="health"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    # The short answer link an SMS carries (reunions/services/invitations.py).
    path("r/<str:rsvp_code>", reunions_views.rsvp_short, name="rsvp_short"),
    path("sw.js", espace_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", espace_views.manifest, name="manifest"),
    path("comptes/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("relais.urls")),
    path("", include("engagement.urls")),
    path("reunions/", include("reunions.urls")),
    path("remontees/", include("remontees.urls")),
    path("initiatives/", include("initiatives.urls")),
    path("bilans/", include("bilans.urls")),
    path("espace/", include("espace.urls")),
    path("parcours/", include("parcours.urls")),
    path("a-traiter/", include("inbox.urls")),
    path("donnees/", include("privacy.urls")),
    path("", include("vitrine.urls")),
    path("", include("enquetes.urls")),
    path("", include("reseau.urls")),
]

if apps.is_installed("devtools"):
    # The development toolbox (DEVTOOLS=1: make run, make test, make bench), never in production.
    urlpatterns.append(path("", include("devtools.urls")))

# A database out of reach answers a clean 503 in French; anything else, the 500 page.
handler500 = "core.errors.server_error"
