from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("gui-phan-anh/", views.submit, name="submit"),
    path("gui-phan-anh/da-gui/<str:tracking_code>/", views.submitted, name="submitted"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("tra-cuu/<str:tracking_code>/", views.track, name="track"),
]
