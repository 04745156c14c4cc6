"""Staff roles: 審査担当 runs the 年度更新 (cycles, the dashboard, its CSV, the record of
answers and reminders); 運営責任者 has everything (core/staff_roles.py)."""

from django.db import migrations

from core.staff_roles import VETTING, grant

VETTING_PERMISSIONS = (
    "view_cycle", "add_cycle", "change_cycle", "export_renewals",
    "view_renewal", "view_bodychange", "view_reminder",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant("renewals", {VETTING: VETTING_PERMISSIONS})]
