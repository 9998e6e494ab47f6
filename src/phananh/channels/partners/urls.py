from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.sync_list, name="list"),
    path("<int:pk>/", views.sync_log, name="log"),
    path("<int:pk>/gui-lai/", views.sync_resend_view, name="resend"),
]
