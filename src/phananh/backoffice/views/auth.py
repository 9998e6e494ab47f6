from django.contrib.auth.views import LoginView


class StaffLoginView(LoginView):
    """Đăng nhập: staff sign in with their own account; after it, their list."""

    template_name = "backoffice/login.html"
