from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Unit, User
from .services import unit_save


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code", "area_name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]

    def save_model(self, request, obj, form, change):
        unit_save(unit=obj)

    def has_delete_permission(self, request, obj=None):
        # Units are retired (inactive), never deleted: reports and accounts point to them.
        return False


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "full_name", "unit", "role", "is_active"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "full_name", "short_name", "email"]
    ordering = ["full_name", "username"]
    autocomplete_fields = ["unit"]
    filter_horizontal = ["fields", "groups", "user_permissions"]
    # One name field as Vietnamese officials write it, instead of Django's first and last name.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "short_name", "email", "phone"]}),
        (_("Unit and role"), {"fields": ["unit", "role", "fields"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "password1", "password2"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff API tokens: administrators see who uses the API and revoke a token."""

    list_display = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["user", "name", "key_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by POST /api/v1/auth/token

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
