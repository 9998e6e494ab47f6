from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from phananh.api import api
from phananh.channels.zalo import webhook as zalo_webhook
from phananh.core.views import csp_report, healthz

admin.site.site_header = _("PhanAnh administration")
admin.site.site_title = _("PhanAnh")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("phananh.open311.urls")),
    path("zalo/webhook", zalo_webhook, name="zalo_webhook"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("quan-tri/", admin.site.urls),
    # Before the back office's own pages: the back office does not import the channels above it.
    path("can-bo/lien-thong/", include("phananh.channels.partners.urls")),
    path("can-bo/", include("phananh.backoffice.urls")),
    # The installable app's manifest and service worker must be served from the root.
    path("", include("phananh.portal.pwa")),
    path("", include("phananh.portal.urls")),
]
