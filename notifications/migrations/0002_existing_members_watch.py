"""Members who joined sections before notifications existed watch them at 新しい話題のみ, as
joining does now."""

from django.db import migrations


def forwards(apps, schema_editor):
    Membership = apps.get_model("sections", "SectionMembership")
    Watch = apps.get_model("notifications", "Watch")
    rows = [
        Watch(user_id=user_id, channel=f"section:{section_id}", level="new_topics")
        for user_id, section_id in Membership.objects.values_list("user_id", "section_id")
    ]
    Watch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("sections", "0007_series_labels"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
