from django.urls import path

from . import public

urlpatterns = [
    path("", public.home, name="home"),
]
