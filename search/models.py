"""The search index: one row per searchable thing (see docs/search.md).

Written only by `search.index` (called by the services of the app that owns the thing,
in the same transaction as the change). The full-text part is backend-specific and made
by migration 0002: an FTS5 table kept by triggers on SQLite, a GIN index over
the stored `to_tsvector('simple', tokens)` (column `tsv`, migration 0003) on PostgreSQL."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Document(models.Model):
    kind = models.CharField("種類", max_length=20)
    object_id = models.PositiveBigIntegerField("対象のID")
    # Visibility keys (what `search.registry.Kind.visible` filters on).
    section_id = models.PositiveBigIntegerField("課のID", null=True, blank=True)
    parent_id = models.PositiveBigIntegerField("親のID", null=True, blank=True)
    public = models.BooleanField("会員以外も読める", default=False)
    restricted = models.BooleanField("課員のみ", default=False)
    hidden = models.BooleanField("非表示", default=False)
    owner_id = models.PositiveBigIntegerField("非表示でも読める会員のID", null=True, blank=True)
    keys = models.CharField("対象の鍵", max_length=300, blank=True)
    state = models.CharField("状態", max_length=10, blank=True)
    date = models.DateTimeField("日付")
    # What is shown and searched.
    title = models.CharField("見出し", max_length=300)
    title_indexed = models.BooleanField("見出しも検索対象", default=True)
    body = models.TextField("本文（検索対象）", blank=True)
    url = models.CharField("URL", max_length=300)
    tokens = models.TextField("トークン")
    indexed_at = models.DateTimeField("索引日時", default=timezone.now)

    class Meta:
        verbose_name = "検索索引"
        verbose_name_plural = "検索索引"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once"),
        ]
        indexes = [
            models.Index(fields=["section_id", "kind"], name="search_doc_section"),
            models.Index(fields=["kind", "parent_id"], name="search_doc_parent"),
            models.Index(fields=["-date", "-id"], name="search_doc_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"

    def searchable_text(self) -> str:
        """The text the tokens were made from (the reference scan of the tests)."""
        return f"{self.title if self.title_indexed else ''}\n{self.body}"
