from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes for the public side: the map's bounding-box scan and the newest-published list."""

    dependencies = [
        ("reports", "0005_search_and_ratings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["is_public", "latitude", "longitude"], name="report_public_map"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["is_public", "published_at"], name="report_public_list"),
        ),
    ]
