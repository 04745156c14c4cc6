"""Staff roles for the meeting series models (運営責任者 only, like the rest of sections)."""

from django.db import migrations

from core.staff_roles import grant


class Migration(migrations.Migration):
    dependencies = [
        ("sections", "0005_merge_0003_meeting_series_0004_staff_roles"),
    ]

    operations = [
        grant("sections", {}),
    ]
