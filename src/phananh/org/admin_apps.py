"""`django.contrib.admin` with PhanAnh's admin site (apart from `admin_site`, which loads models)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """The admin app whose default site is `admin_site.StaffAdminSite` (named in INSTALLED_APPS)."""

    default_site = "phananh.org.admin_site.StaffAdminSite"
