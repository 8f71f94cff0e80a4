from django.urls import path

from reunions import views

app_name = "reunions"

urlpatterns = [
    path("reponse/<str:token>/", views.rsvp, name="rsvp"),
]
