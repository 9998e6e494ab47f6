"""The citizens' pages. Each part keeps its own routes; all are in the "portal" namespace."""

from django.urls import include, path

from . import account, public_urls, tracking_urls, views

app_name = "portal"

urlpatterns = [
    path("gui-phan-anh/", views.submit, name="submit"),
    path("gui-phan-anh/da-gui/<str:tracking_code>/", views.submitted, name="submitted"),
    path("tai-khoan/", account.my_reports, name="my_reports"),
    path("tai-khoan/dang-nhap/", account.sign_in, name="sign_in"),
    path("tai-khoan/dang-nhap/sms/", account.send_sms_code, name="account_sms"),
    path("tai-khoan/dang-nhap/email/", account.send_email_link, name="account_email"),
    path("tai-khoan/nhap-ma/", account.enter_code, name="account_code"),
    path("tai-khoan/email/<str:token>/", account.email_link, name="account_link"),
    path("tai-khoan/oidc/", account.oidc_start, name="oidc_start"),
    path("tai-khoan/oidc/xong/", account.oidc_done, name="oidc_done"),
    path("tai-khoan/nhan-phan-anh/", account.claim, name="account_claim"),
    path("tai-khoan/dang-xuat/", account.sign_out, name="sign_out"),
    path("tai-khoan/xoa/", account.delete_account, name="delete_account"),
    path("", include(tracking_urls)),
    path("", include(public_urls)),
]
