from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken, Unit, User
from .second_factor import second_factor_reset
from .services import unit_save
from .throttle import unlock


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
    list_display = ["username", "full_name", "unit", "role", "is_active", "two_step"]
    list_filter = ["role", "is_active", "unit__kind"]
    actions = ["reset_second_factor", "unlock_sign_in"]
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

    def get_queryset(self, request):
        app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(app))

    @admin.display(boolean=True, description=_("two-step verification"), ordering="has_app")
    def two_step(self, obj):
        return obj.has_app

    @admin.action(description=_("Reset two-step verification (lost phone)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user)
            self.log_change(request, user, "Two-step verification reset")
        self.message_user(
            request,
            ngettext(
                "Two-step verification was reset for %(n)d account; it sets up its app again at its next "
                "sign-in.",
                "Two-step verification was reset for %(n)d accounts; each sets up its app again at its "
                "next sign-in.",
                len(queryset),
            )
            % {"n": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unlock sign-in (forget failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            unlock(username=user.get_username())
            self.log_change(request, user, "Sign-in unlocked")
        self.message_user(
            request,
            ngettext(
                "%(n)d account may sign in again at once.",
                "%(n)d accounts may sign in again at once.",
                len(queryset),
            )
            % {"n": len(queryset)},
            messages.SUCCESS,
        )


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
