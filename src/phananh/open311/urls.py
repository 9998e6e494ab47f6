from django.urls import re_path

from . import views

app_name = "open311"

# The format is the extension: `services.json`, `services.xml`.
FMT = r"\.(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.services, name="services"),
    re_path(
        rf"^services/(?P<service_code>[-a-zA-Z0-9_]{{1,60}}){FMT}$", views.service_definition, name="service"
    ),
    re_path(rf"^requests{FMT}$", views.service_requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[-a-zA-Z0-9 ]{{1,40}}){FMT}$",
        views.service_request,
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>[-a-zA-Z0-9 ]{{1,40}}){FMT}$", views.token, name="token"),
    re_path(rf"^servicerequestupdates{FMT}$", views.service_request_updates, name="updates"),
]
