from django.urls import path

from devtools import views

urlpatterns = [
    path("plancher/", views.floor, name="floor"),
    path("plancher/anonyme/", views.floor_anonymous, name="floor_anonymous"),
]
