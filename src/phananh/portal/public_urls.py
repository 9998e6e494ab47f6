from django.urls import path

from . import public

urlpatterns = [
    path("", public.home, name="home"),
    path("phan-anh/", public.report_list, name="public_list"),
    path("phan-anh/<str:tracking_code>/", public.report_detail, name="public_report"),
    path("phan-anh/<str:tracking_code>/anh/<int:attachment_id>/", public.photo, name="public_photo"),
    path(
        "phan-anh/<str:tracking_code>/anh/<int:attachment_id>/nho/",
        public.photo,
        {"thumbnail": True},
        name="public_thumb",
    ),
    path("ban-do/", public.map_page, name="public_map"),
    path("ban-do/cum.json", public.map_clusters, name="public_map_clusters"),
    path("thong-ke/", public.statistics, name="public_stats"),
]
