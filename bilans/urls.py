from django.urls import path

from bilans import views

app_name = "bilans"

urlpatterns = [
    path("", views.bilan_list, name="list"),
    path("ouvrir/", views.bilan_open, name="open"),
    path("<int:bilan>/", views.bilan_detail, name="detail"),
    path("<int:bilan>/textes/", views.bilan_texts, name="texts"),
    path("<int:bilan>/generer/", views.bilan_generate, name="generate"),
    path("<int:bilan>/etat/", views.bilan_state, name="state"),
    path("<int:bilan>/bilan.pdf", views.bilan_file, name="file"),
]
