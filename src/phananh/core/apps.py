from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phananh.core"
    label = "core"
