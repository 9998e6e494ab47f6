"""The citizens' pages. Each part keeps its own routes; all are in the "portal" namespace."""

from django.urls import include, path

from . import public_urls, tracking_urls, views

app_name = "portal"

urlpatterns = [
    path("gui-phan-anh/", views.submit, name="submit"),
    path("gui-phan-anh/da-gui/<str:tracking_code>/", views.submitted, name="submitted"),
    path("", include(tracking_urls)),
    path("", include(public_urls)),
]
