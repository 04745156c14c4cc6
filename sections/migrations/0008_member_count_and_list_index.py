"""Issue 18: Section.member_count (kept by the membership services, see sections/counts.py)
filled from the memberships, and the member list's order as an index."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_members(apps, schema_editor):
    Section = apps.get_model("sections", "Section")
    SectionMembership = apps.get_model("sections", "SectionMembership")
    counted = (
        SectionMembership.objects.filter(section=OuterRef("pk"))
        .order_by()
        .values("section")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Section.objects.update(
        member_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sections", "0007_series_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="sectionmembership",
            name="sections_se_section_00ae6d_idx",
        ),
        migrations.AddField(
            model_name="section",
            name="member_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="メンバー数"),
        ),
        migrations.AddIndex(
            model_name="sectionmembership",
            index=models.Index(
                fields=["section", "role", "joined_at", "id"], name="membership_list_order"
            ),
        ),
        migrations.RunPython(count_members, migrations.RunPython.noop),
    ]
