from django.urls import path

from . import tracking

urlpatterns = [
    path("tra-cuu/", tracking.lookup, name="lookup"),
    path("tra-cuu/<str:tracking_code>/", tracking.track, name="track"),
    path("tra-cuu/<str:tracking_code>/bo-sung/", tracking.answer, name="track_answer"),
    path("tra-cuu/<str:tracking_code>/danh-gia/", tracking.rate_result, name="track_rate"),
    path("tra-cuu/<str:tracking_code>/du-lieu/", tracking.download_data, name="track_data"),
    path("tra-cuu/<str:tracking_code>/xoa-du-lieu/", tracking.erase_data, name="track_erase"),
    path("tra-cuu/<str:tracking_code>/anh/<int:attachment_id>/", tracking.photo, name="track_photo"),
    path(
        "tra-cuu/<str:tracking_code>/anh/<int:attachment_id>/nho/",
        tracking.photo,
        {"thumbnail": True},
        name="track_thumb",
    ),
    # Fixed words before the code's pattern, so that no tracking code can shadow them.
    path("theo-doi/xac-nhan/<str:token>/", tracking.follow_confirm, name="follow_confirm"),
    path("theo-doi/huy/<str:token>/", tracking.unfollow, name="unfollow"),
    path("theo-doi/<str:tracking_code>/", tracking.follow_report, name="follow"),
]
