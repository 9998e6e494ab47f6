from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: the top of the apps' order, free to use every other app."""

    name = "phananh.demo"
    label = "demo"
