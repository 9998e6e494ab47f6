from django.contrib import admin

from .models import CalendarDay, DeadlineRule, Event, RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    """The reasons operators choose from; retire one by unticking "active"."""

    list_display = ["name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]

    def has_delete_permission(self, request, obj=None):
        # Rejections on the timeline name their reason by code: retire it instead.
        return False


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """How long each step may take, per urgency and field (the most specific rule wins)."""

    list_display = ["step", "urgency", "category", "amount", "unit"]
    list_filter = ["step", "urgency"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The deployment's own days off and make-up working days, on top of the national holidays."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: events are never edited or deleted."""

    list_display = ["report", "kind", "actor", "unit", "created_at"]
    list_filter = ["kind"]
    search_fields = ["report__tracking_code"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
