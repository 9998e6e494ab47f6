from django.urls import path

from . import tracking

urlpatterns = [
    path("tra-cuu/", tracking.lookup, name="lookup"),
    path("tra-cuu/<str:tracking_code>/", tracking.track, name="track"),
]
