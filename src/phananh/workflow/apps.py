from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "phananh.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from .deadlines import watch_deadline_data

        watch_deadline_data()
