from django.contrib import admin

from phananh.org.models import LOCAL_KINDS, Unit

from .models import CalendarDay, DeadlineRule, Event, RejectionReason, RoutingRule


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


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Who usually handles a field in a commune: the lead unit the back office suggests."""

    list_display = ["category", "commune", "unit"]
    list_filter = ["category"]
    search_fields = ["commune__name", "commune__area_name", "unit__name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A rule's place is a commune or ward; its unit is any active unit but the IOC itself.
        if db_field.name == "commune":
            kwargs["queryset"] = Unit.objects.filter(is_active=True, kind__in=LOCAL_KINDS).order_by("name")
        elif db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.filter(is_active=True).exclude(parent=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
