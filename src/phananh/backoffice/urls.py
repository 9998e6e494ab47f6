"""The back office for staff, under /can-bo/: lists, the report page and its actions."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.report_list, name="home"),
    path("dang-nhap/", views.StaffLoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", views.second_factor, name="second_factor"),
    path("dang-nhap/cai-dat-xac-thuc/", views.enrol, name="enrol"),
    path("tai-khoan/bao-mat/", views.security, name="security"),
    path("tai-khoan/ma-du-phong/", views.recovery_codes, name="recovery_codes"),
    path("dang-xuat/", auth_views.LogoutView.as_view(next_page="backoffice:login"), name="logout"),
    path("ban-do.json", views.map_json, name="map_json"),
    path("dem.html", views.tab_counts, name="tab_counts"),
    path("xu-ly-hang-loat/", views.bulk_action, name="bulk"),
    path("thong-bao/", views.notification_list, name="notifications"),
    path("cai-dat/thong-bao/", views.email_settings, name="email_settings"),
    path("gui-tin/", views.delivery_list, name="deliveries"),
    path("phan-anh/<str:tracking_code>/", views.report_detail, name="report"),
    path("phan-anh/<str:tracking_code>/thao-tac/<slug:action>/", views.report_action, name="action"),
    path("phan-anh/<str:tracking_code>/lien-he/", views.contact_reveal, name="reveal"),
    path("phan-anh/<str:tracking_code>/danh-gia/", views.review_dismiss, name="review_dismiss"),
    path("phan-anh/<str:tracking_code>/cong-khai/kiem-tra/", views.publish_check, name="publish_check"),
    path("phan-anh/<str:tracking_code>/goi-xac-minh/", views.call_verify, name="call_verify"),
    path("tong-dai/", views.calls_page, name="calls"),
    path("tong-dai/dang-goi/", views.calls_live, name="calls_live"),
    path("tong-dai/phan-anh/", views.calls_report, name="calls_report"),
    path("tong-dai/cuoc-goi/", views.call_list, name="calls_log"),
    path("tong-dai/cuoc-goi/<int:call_id>/", views.call_detail, name="call"),
    path("tep/<int:attachment_id>/", views.attachment_file, name="file"),
    path("tep/<int:attachment_id>/thumb/", views.attachment_thumbnail, name="thumb"),
    path("thong-ke/", views.dashboard, name="dashboard"),
    path("thong-ke/in/", views.dashboard_print, name="dashboard_print"),
    path("thong-ke/xuat/<slug:kind>.xlsx", views.dashboard_export, name="dashboard_export"),
    path("thong-ke/tep-xuat/", views.export_file_list, name="export_files"),
    path("thong-ke/tep-xuat/<int:export_id>/", views.export_file_download, name="export_file"),
]
