"""Issue 18: the member directory's order over active members as a partial index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("municipalities", "0004_staff_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("is_active", True), ("status", "approved")),
                fields=["full_name_kana", "id"],
                name="user_directory_order",
            ),
        ),
    ]
