"""Staff roles: お知らせ are 運営責任者's (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import grant


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_existing_members_watch"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant("notifications", {}),
    ]
