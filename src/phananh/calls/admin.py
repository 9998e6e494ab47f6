from django.contrib import admin

from .models import AgentExtension, Call, CallOutcome


@admin.register(CallOutcome)
class CallOutcomeAdmin(admin.ModelAdmin):
    """The outcomes agents pick from; one no longer used is switched off, not deleted."""

    list_display = ["name", "code", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(AgentExtension)
class AgentExtensionAdmin(admin.ModelAdmin):
    list_display = ["number", "agent"]
    autocomplete_fields = ["agent"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["started_at", "direction", "number", "duration_seconds", "outcome", "agent", "report"]
    list_filter = ["direction", "outcome"]
    search_fields = ["number", "report__tracking_code"]
    raw_id_fields = ["report", "agent"]
