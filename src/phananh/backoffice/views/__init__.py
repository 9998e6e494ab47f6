"""The back office's views: lists and map, the report page and its actions, files, the bell."""

from .account import recovery_codes, security
from .auth import StaffLoginView, enrol, second_factor
from .bulk import bulk_action
from .calls import call_detail, call_list, call_verify, calls_live, calls_page, calls_report
from .dashboard import dashboard, dashboard_export, dashboard_print, export_file_download, export_file_list
from .deliveries import delivery_list
from .files import attachment_file, attachment_thumbnail
from .lists import map_json, report_list, tab_counts
from .notifications import notification_list
from .report import contact_reveal, publish_check, report_action, report_detail, review_dismiss
from .settings import email_settings

__all__ = [
    "StaffLoginView",
    "attachment_file",
    "attachment_thumbnail",
    "bulk_action",
    "call_detail",
    "call_list",
    "call_verify",
    "calls_live",
    "calls_page",
    "calls_report",
    "contact_reveal",
    "dashboard",
    "dashboard_export",
    "export_file_download",
    "export_file_list",
    "dashboard_print",
    "delivery_list",
    "email_settings",
    "enrol",
    "map_json",
    "notification_list",
    "publish_check",
    "recovery_codes",
    "report_action",
    "report_detail",
    "report_list",
    "review_dismiss",
    "second_factor",
    "security",
    "tab_counts",
]
