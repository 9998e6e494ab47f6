from django.contrib import admin

from .models import Category, FieldQuestion


class FieldQuestionInline(admin.StackedInline):
    """Câu hỏi bổ sung: the field's extra questions, asked on every channel (retire, never delete,
    one that reports answered)."""

    model = FieldQuestion
    extra = 0
    fields = [("code", "label"), ("kind", "required", "is_active", "sort_order"), "choices", "help_text"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Fields are managed here; one in use can only be retired (unticked "active")."""

    inlines = [FieldQuestionInline]

    list_display = ["name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return (
            super().has_delete_permission(request, obj)
            and not obj.reports.exists()
            and not obj.staff.exists()
        )

    def get_actions(self, request):
        # The bulk delete action would bypass the per-object check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
