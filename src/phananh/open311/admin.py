from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .keys import client_issue, client_revoke
from .models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Khóa API Open311: issued here (the key is shown once, on the next page) and revoked here."""

    list_display = ["name", "contact", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "contact", "key_prefix"]
    fields = ["name", "contact", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "contact"])
            return
        client, key = client_issue(name=obj.name, contact=obj.contact, created_by=request.user)
        obj.pk, obj.key_prefix, obj.key_hash = client.pk, client.key_prefix, client.key_hash
        messages.warning(
            request,
            _("The API key of %(name)s, shown only this once: %(key)s") % {"name": client.name, "key": key},
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the reports it sent point to it

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        revoked = 0
        for client in queryset.filter(revoked_at__isnull=True):
            client_revoke(client=client)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked) % {"count": revoked},
        )
