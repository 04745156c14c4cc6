import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20, verbose_name="種類")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="対象のID")),
                (
                    "section_id",
                    models.PositiveBigIntegerField(blank=True, null=True, verbose_name="課のID"),
                ),
                (
                    "parent_id",
                    models.PositiveBigIntegerField(blank=True, null=True, verbose_name="親のID"),
                ),
                ("public", models.BooleanField(default=False, verbose_name="会員以外も読める")),
                ("restricted", models.BooleanField(default=False, verbose_name="課員のみ")),
                ("hidden", models.BooleanField(default=False, verbose_name="非表示")),
                (
                    "owner_id",
                    models.PositiveBigIntegerField(
                        blank=True, null=True, verbose_name="非表示でも読める会員のID"
                    ),
                ),
                ("keys", models.CharField(blank=True, max_length=300, verbose_name="対象の鍵")),
                ("state", models.CharField(blank=True, max_length=10, verbose_name="状態")),
                ("date", models.DateTimeField(verbose_name="日付")),
                ("title", models.CharField(max_length=300, verbose_name="見出し")),
                (
                    "title_indexed",
                    models.BooleanField(default=True, verbose_name="見出しも検索対象"),
                ),
                ("body", models.TextField(blank=True, verbose_name="本文（検索対象）")),
                ("url", models.CharField(max_length=300, verbose_name="URL")),
                ("tokens", models.TextField(verbose_name="トークン")),
                (
                    "indexed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="索引日時"
                    ),
                ),
            ],
            options={
                "verbose_name": "検索索引",
                "verbose_name_plural": "検索索引",
                "indexes": [
                    models.Index(fields=["section_id", "kind"], name="search_doc_section"),
                    models.Index(fields=["kind", "parent_id"], name="search_doc_parent"),
                    models.Index(fields=["-date", "-id"], name="search_doc_date"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id"), name="search_document_once"
                    )
                ],
            },
        ),
    ]
