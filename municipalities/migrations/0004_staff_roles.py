"""Staff roles: 審査担当 looks local governments up (trusted domains); 運営責任者 edits them (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import VETTING, grant


class Migration(migrations.Migration):
    dependencies = [
        ("municipalities", "0003_japanese_field_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant("municipalities", {VETTING: ("view_prefecture", "view_localgovernment")}),
    ]
