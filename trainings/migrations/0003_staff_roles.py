"""Staff roles: 研修担当 has everything of trainings (and orientations), registrants included (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import ALL, TRAINING, grant


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0002_registrant_permissions_and_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant("trainings", {TRAINING: ALL}),
    ]
