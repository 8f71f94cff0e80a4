"""The product's URLs under another path, for tests/test_links.py."""

from django.urls import include, path

urlpatterns = [path("ailleurs/", include("config.urls"))]
