"""Staff roles: 審査担当 reviews applications and members; 運営責任者 has everything,
groups included (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import VETTING, grant

VETTING_PERMISSIONS = (
    "view_application", "approve_application",
    "view_user", "suspend_member", "verify_affiliation",
    "view_trusteddomain", "add_trusteddomain", "change_trusteddomain", "delete_trusteddomain",
    "view_statuschange", "view_affiliationrecord",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_permissions_and_labels"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant("accounts", {VETTING: VETTING_PERMISSIONS}),
        # allauth's e-mail addresses: vetting may look whether an address is verified.
        grant("account", {VETTING: ("view_emailaddress",)}),
        # Groups (the roles themselves): 運営責任者 only.
        grant("auth", {}),
    ]
