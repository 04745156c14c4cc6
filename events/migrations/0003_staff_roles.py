"""Staff roles: 研修担当 may see and change events and registrations (trainings are events) (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import TRAINING, grant


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_japanese_field_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant(
            "events",
            {
                TRAINING: (
                    "view_event",
                    "change_event",
                    "view_registration",
                    "change_registration",
                )  # fmt: skip
            },
        ),
    ]
