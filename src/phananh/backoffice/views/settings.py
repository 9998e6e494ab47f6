"""Cài đặt thông báo: which notifications a staff member also receives by email."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from phananh.notify.models import StaffEmailSettings
from phananh.notify.staff_email import STAFF_EMAIL_KINDS, wanted_kinds

from ..decorators import staff_required


class EmailSettingsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Send me an email for"),
        choices=STAFF_EMAIL_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    if request.method == "POST":
        form = EmailSettingsForm(request.POST)
        if form.is_valid():
            StaffEmailSettings.objects.update_or_create(
                user=request.user, defaults={"kinds": sorted(form.cleaned_data["kinds"])}
            )
            messages.success(request, _("Your email settings were saved."))
            return redirect("backoffice:email_settings")
    else:
        wanted = wanted_kinds(request.user)
        form = EmailSettingsForm(
            initial={"kinds": [kind for kind, _label in STAFF_EMAIL_KINDS if kind in wanted]}
        )
    return render(request, "backoffice/email_settings.html", {"form": form})
