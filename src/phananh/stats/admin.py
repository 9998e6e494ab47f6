from django.contrib import admin

from .models import ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(admin.ModelAdmin):
    """Administrators set the unit score's weights; each row applies from its year on."""

    list_display = ["from_year", "on_time", "satisfaction", "returns", "overdue", "reception", "note"]
