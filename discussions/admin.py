"""Discussions in the admin: read-mostly. Every change goes through the site's pages
(and so through the services: search and notifications hook in there), so the admin only
shows rows, with the edit history of posts for staff. No custom views or actions."""

from __future__ import annotations

from django.contrib import admin

from core import markup
from core.admin_safety import SafeAdminMixin, lookup_value_ok

from .models import (
    AnswerMark,
    Attachment,
    Entry,
    MeetingScribe,
    Mention,
    Post,
    PostRevision,
    SectionSetting,
    Tag,
    Topic,
)


class ReadOnlyAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Staff with the view permission read every field; nobody adds, edits or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(ReadOnlyInline):
    model = PostRevision
    fields = ("created_at", "edited_by", "title", "body")
    readonly_fields = fields
    verbose_name = "編集前の版"
    verbose_name_plural = "編集履歴（編集前の版。事務局だけが見られます）"


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "kind", "content_type", "size", "file", "created_at")
    readonly_fields = fields


class MentionInline(ReadOnlyInline):
    model = Mention
    fields = ("user", "written", "created_at")
    readonly_fields = fields


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "author", "created_at", "edited", "state", "excerpt")
    list_filter = ("hidden_reason", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("body", "topic__title")
    list_select_related = ("topic", "author")
    raw_id_fields = ("topic", "author", "quote", "deleted_by")
    readonly_fields = (
        "topic", "number", "author", "body", "quote", "created_at", "edited_at", "deleted_at",
        "deleted_by", "hidden_at", "hidden_reason",
    )  # fmt: skip
    fields = readonly_fields
    inlines = (RevisionInline, AttachmentInline, MentionInline)

    @admin.display(description="編集")
    def edited(self, obj: Post) -> str:
        return "編集済み" if obj.edited_at else ""

    @admin.display(description="状態")
    def state(self, obj: Post) -> str:
        if obj.deleted_at:
            return "削除"
        if obj.hidden_at:
            return f"非表示（{obj.get_hidden_reason_display()}）"
        return "表示"

    @admin.display(description="本文")
    def excerpt(self, obj: Post) -> str:
        return markup.excerpt(obj.body, 60)  # plain text: the admin escapes it


class AnswerMarkInline(ReadOnlyInline):
    model = AnswerMark
    fields = ("created_at", "action", "post", "actor")
    readonly_fields = fields
    verbose_name_plural = "ベストアンサーの履歴"


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ("title", "section", "kind", "author", "reply_count", "solved", "created_at")
    list_filter = ("kind", ("deleted_at", admin.EmptyFieldListFilter), "hidden_reason")
    search_fields = ("title",)
    list_select_related = ("section", "author")
    date_hierarchy = "created_at"
    readonly_fields = (
        "section", "kind", "title", "author", "tag_names", "meeting", "created_at",
        "last_activity_at", "reply_count", "answer", "answered_at", "locked_at", "locked_by",
        "deleted_at", "deleted_by", "hidden_at", "hidden_reason",
    )  # fmt: skip
    fields = readonly_fields
    inlines = (AnswerMarkInline,)

    @admin.display(description="解決", boolean=True)
    def solved(self, obj: Topic) -> bool:
        return obj.answer_id is not None

    @admin.display(description="タグ")
    def tag_names(self, obj: Topic) -> str:
        return "、".join(t.name for t in obj.tags.all())


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("title", "section", "published", "updated_at", "updated_by")
    list_filter = (("published_at", admin.EmptyFieldListFilter),)
    search_fields = ("title", "question", "answer")
    list_select_related = ("section", "updated_by")
    readonly_fields = (
        "section", "title", "question", "answer", "tag_names", "source_topics",
        "source_meetings", "created_by", "created_at", "updated_by", "updated_at",
        "published_at", "published_by",
    )  # fmt: skip
    fields = readonly_fields

    @admin.display(description="一般公開", boolean=True)
    def published(self, obj: Entry) -> bool:
        return obj.published_at is not None

    @admin.display(description="タグ")
    def tag_names(self, obj: Entry) -> str:
        return "、".join(t.name for t in obj.tags.all())


@admin.register(SectionSetting)
class SectionSettingAdmin(ReadOnlyAdmin):
    list_display = ("section", "reading", "open_posting", "updated_by", "updated_at")
    list_filter = ("reading", "open_posting")
    list_select_related = ("section", "updated_by")
    readonly_fields = ("section", "reading", "open_posting", "updated_by", "updated_at")
    fields = readonly_fields

    def get_object(self, request, object_id, from_field=None):
        # The primary key is the section's id (a foreign key column): an overflowing
        # integer would reach the database instead of meaning "no such row".
        if not lookup_value_ok(self.model._meta.get_field("section").target_field, object_id):
            return None
        return super().get_object(request, object_id, from_field)


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(MeetingScribe)
class MeetingScribeAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "user", "named_by", "created_at")
    list_select_related = ("meeting__event", "meeting__section", "user", "named_by")
    readonly_fields = ("meeting", "user", "named_by", "created_at")
    fields = readonly_fields
