from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("attribuer/", views.assign, name="assign"),
    path("preferences/", views.preferences, name="preferences"),
]
