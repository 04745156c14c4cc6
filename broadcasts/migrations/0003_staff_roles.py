"""Staff roles: 研修担当 runs the broadcasts; members' follows are read-only to them (core/staff_roles.py, docs/architecture.md)."""

from django.db import migrations

from core.staff_roles import TRAINING, grant

TRAINING_PERMISSIONS = tuple(
    f"{verb}_{model}"
    for model in ("programme", "episode", "guest")
    for verb in ("view", "add", "change", "delete")
) + ("view_follow",)


class Migration(migrations.Migration):
    dependencies = [
        ("broadcasts", "0002_japanese_field_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        grant("broadcasts", {TRAINING: TRAINING_PERMISSIONS}),
    ]
