"""総合窓口: the community-wide section that every approved member may post to."""

from django.db import migrations

SLUG = "madoguchi"


def create(apps, schema_editor):
    Department = apps.get_model("sections", "Department")
    Section = apps.get_model("sections", "Section")
    SectionSetting = apps.get_model("discussions", "SectionSetting")
    department = Department.objects.filter(slug="oudan").first()
    if department is None:
        department, _ = Department.objects.get_or_create(
            slug="oudan", defaults={"name": "横断型機関・サークル", "order": 8}
        )
    section, _ = Section.objects.get_or_create(
        slug=SLUG,
        defaults={
            "department": department,
            "name": "総合窓口",
            "type": "work",
            "order": 0,
            "join_policy": "open",
            "description": (
                "どの課にも当てはまらない質問・相談・共有はこちらへ。"
                "課に参加していなくても、すべての会員が投稿できます。"
            ),
            "rules": "お互いを尊重し、業務上の秘密や個人情報は持ち込まないでください。",
        },
    )
    SectionSetting.objects.update_or_create(
        section=section, defaults={"open_posting": True, "reading": "members"}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0001_initial"),
        ("sections", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
