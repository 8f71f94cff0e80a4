from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("messages/<int:message>/renvoyer/", views.message_resend, name="message_resend"),
]
