from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "phananh.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # HEIC (iPhone photos) becomes readable by Pillow once its opener is registered.
        from pillow_heif import register_heif_opener

        register_heif_opener()
