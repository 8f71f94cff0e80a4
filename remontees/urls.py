from django.urls import path

from remontees import views

app_name = "remontees"

urlpatterns = [
    path("reunion/<int:reunion>/tour-de-table/", views.round_table, name="round_table"),
]
