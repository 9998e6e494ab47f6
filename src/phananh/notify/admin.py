from django import forms
from django.contrib import admin
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext as _

from .models import Delivery, MessageTemplate


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read only; the address shows masked and the body not at all."""

    list_display = [
        "id",
        "channel",
        "purpose",
        "masked_address",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["channel", "status", "purpose"]
    fields = [
        "channel",
        "masked_address",
        "purpose",
        "report",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageTemplateForm(forms.ModelForm):
    """Refuses a subject or text that is not a valid Django template, before it is saved."""

    class Meta:
        model = MessageTemplate
        fields = ["purpose", "channel", "subject", "body", "is_active"]

    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body"):
            text = cleaned.get(name)
            if not text:
                continue
            try:
                Template(text)
            except TemplateSyntaxError as error:
                self.add_error(name, _("This is not a valid template: %(error)s") % {"error": error})
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Texts of the messages to reporters: {{ code }}, {{ status }}, {{ link }}, {{ note }}, {{ title }}."""

    form = MessageTemplateForm
    list_display = ["purpose", "channel", "subject", "is_active"]
    list_filter = ["channel", "is_active", "purpose"]
    list_editable = ["is_active"]
    search_fields = ["purpose", "subject", "body"]
