"""審査担当 reviews reports, decides cases and gives penalties; 運営責任者 has every
moderation permission (core.staff_roles.grant)."""

from django.db import migrations

from core.staff_roles import VETTING, grant


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        grant(
            "moderation",
            {
                VETTING: (
                    "view_case",
                    "decide_case",
                    "view_report",
                    "view_penalty",
                    "add_penalty",
                    "view_auditentry",
                    "view_codeofconduct",
                    "view_conductacceptance",
                )
            },
        )
    ]
