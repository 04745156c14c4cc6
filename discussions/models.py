"""Section discussions (話題・返信), meeting notes (議事メモ) and the 参考Q&A knowledge base.

A topic (話題) lives in one section and is opened by its first post (number 1); replies are
the posts after it, flat and in order. Every write goes through `discussions.services`;
who may read or post is decided in `discussions.selectors` (see docs/discussions.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

TITLE_MAX = 120
BODY_MAX = 20_000
TAG_MAX = 30
TAGS_MAX = 10


class HiddenReason(models.TextChoices):
    """Why a post is hidden (the moderation app's report reasons)."""

    SPAM = "spam", "スパム・宣伝"
    INAPPROPRIATE = "inappropriate", "不適切・ハラスメント"
    PERSONAL = "personal", "個人情報・非公開情報"
    OTHER = "other", "その他"


class Tag(models.Model):
    """A free tag, normalised (NFKC, trimmed, spaces collapsed) by the services."""

    name = models.CharField("タグ", max_length=TAG_MAX, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "タグ"
        verbose_name_plural = "タグ"

    def __str__(self) -> str:
        return self.name


class SectionSetting(models.Model):
    """A section's discussion settings. A section without a row reads as 会員に公開."""

    class Reading(models.TextChoices):
        MEMBERS = "members", "会員に公開"
        SECTION = "section", "課員のみ"

    section = models.OneToOneField(
        "sections.Section",
        verbose_name="課",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="discussion_setting",
    )
    reading = models.CharField(
        "話題の公開範囲", max_length=10, choices=Reading.choices, default=Reading.MEMBERS
    )
    open_posting = models.BooleanField(
        "すべての会員が投稿できる",
        default=False,
        help_text="総合窓口のように、課のメンバーでなくても投稿できる課。",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="変更者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("変更日時", default=timezone.now)

    class Meta:
        verbose_name = "課の話題の設定"
        verbose_name_plural = "課の話題の設定"

    def __str__(self) -> str:
        return f"{self.section}: {self.get_reading_display()}"


class Topic(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "質問・相談"
        SHARE = "share", "共有・話題"

    section = models.ForeignKey(
        "sections.Section", verbose_name="課", on_delete=models.CASCADE, related_name="topics"
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField("題名", max_length=TITLE_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="投稿者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discussion_topics",
    )
    tags = models.ManyToManyField(Tag, verbose_name="タグ", blank=True, related_name="topics")
    # 議事メモ: the notes of a meeting are a 共有・話題 topic linked to it.
    meeting = models.OneToOneField(
        "sections.Meeting",
        verbose_name="議事メモの情報交換会",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notes_topic",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    last_activity_at = models.DateTimeField("最終更新", default=timezone.now)
    # Replies that a member can see (not deleted, not hidden); kept by the services.
    reply_count = models.PositiveIntegerField("返信数", default=0)
    # The highest post number given out (the opening post is 1).
    last_number = models.PositiveIntegerField("最後の投稿番号", default=1)
    answer = models.ForeignKey(
        "Post",
        verbose_name="ベストアンサー",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField("解決日時", null=True, blank=True)
    locked_at = models.DateTimeField("返信の締切日時", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="締め切った人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField("削除日時", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="削除した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Mirrors the opening post's hidden state (set by services.post_set_hidden).
    hidden_at = models.DateTimeField("非表示日時", null=True, blank=True)
    hidden_reason = models.CharField(
        "非表示の理由", max_length=20, choices=HiddenReason.choices, blank=True
    )

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = "話題"
        verbose_name_plural = "話題"
        indexes = [
            models.Index(
                fields=["section", "-last_activity_at", "-id"], name="topic_section_activity"
            ),
            models.Index(
                fields=["section", "kind", "-last_activity_at"], name="topic_section_kind"
            ),
            models.Index(fields=["created_at"], name="topic_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:topic", args=[self.section.slug, self.pk])

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_solved(self) -> bool:
        return self.answer_id is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Post(models.Model):
    """The opening post (number 1) or a reply. Bodies are Markdown; `body_html` is their
    rendering (core.markup), made by the services when the body is written."""

    topic = models.ForeignKey(
        Topic, verbose_name="話題", on_delete=models.CASCADE, related_name="posts"
    )
    number = models.PositiveIntegerField("番号")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="投稿者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discussion_posts",
    )
    body = models.TextField("本文", max_length=BODY_MAX)
    body_html = models.TextField("本文（表示用）", blank=True)
    quote = models.ForeignKey(
        "self",
        verbose_name="引用した投稿",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("投稿日時", default=timezone.now)
    edited_at = models.DateTimeField("編集日時", null=True, blank=True)
    deleted_at = models.DateTimeField("削除日時", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="削除した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField("非表示日時", null=True, blank=True)
    hidden_reason = models.CharField(
        "非表示の理由", max_length=20, choices=HiddenReason.choices, blank=True
    )

    class Meta:
        ordering = ["topic", "number"]
        verbose_name = "投稿"
        verbose_name_plural = "投稿"
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="post_number_once"),
        ]
        indexes = [models.Index(fields=["author", "created_at"], name="post_author_created")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.number}"

    def get_absolute_url(self) -> str:
        from .selectors import post_url

        return post_url(self)

    @property
    def is_opening(self) -> bool:
        return self.number == 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class PostRevision(models.Model):
    """An earlier version of a post, kept for staff (編集履歴)."""

    post = models.ForeignKey(
        Post, verbose_name="投稿", on_delete=models.CASCADE, related_name="revisions"
    )
    title = models.CharField("題名（当時）", max_length=TITLE_MAX, blank=True)
    body = models.TextField("本文（当時）")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="編集者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("編集日時", default=timezone.now)

    class Meta:
        ordering = ["post", "created_at", "id"]
        verbose_name = "編集履歴"
        verbose_name_plural = "編集履歴"

    def __str__(self) -> str:
        return f"{self.post} ({self.created_at:%Y-%m-%d %H:%M})"


def attachment_path(instance: Attachment, filename: str) -> str:
    """`filename` is already a random name (core.uploads.stored_name)."""
    now = timezone.now()
    return f"discussions/{now:%Y/%m}/{filename}"


class Attachment(models.Model):
    """A file on a post. Stored under MEDIA_ROOT, which no URL serves directly: the
    download view checks that the member may read the post."""

    post = models.ForeignKey(
        Post, verbose_name="投稿", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("ファイル", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("元のファイル名", max_length=200)
    kind = models.CharField("種類", max_length=10)
    content_type = models.CharField("Content-Type", max_length=120)
    size = models.PositiveIntegerField("サイズ（バイト）")
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        ordering = ["post", "id"]
        verbose_name = "添付ファイル"
        verbose_name_plural = "添付ファイル"

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


class Mention(models.Model):
    """A member named in a post as @[氏名] who may read the topic."""

    post = models.ForeignKey(
        Post, verbose_name="投稿", on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="メンションされた会員",
        on_delete=models.CASCADE,
        related_name="discussion_mentions",
    )
    written = models.CharField("書かれた名前", max_length=60)
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        ordering = ["post", "id"]
        verbose_name = "メンション"
        verbose_name_plural = "メンション"
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="mention_once")]

    def __str__(self) -> str:
        return f"{self.post} → {self.user_id}"


class AnswerMark(models.Model):
    """Every change of a question's accepted answer (ベストアンサー): who and when."""

    class Action(models.TextChoices):
        MARK = "mark", "ベストアンサーに選択"
        UNMARK = "unmark", "選択を解除"

    topic = models.ForeignKey(
        Topic, verbose_name="話題", on_delete=models.CASCADE, related_name="answer_marks"
    )
    post = models.ForeignKey(
        Post, verbose_name="投稿", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        ordering = ["topic", "created_at", "id"]
        verbose_name = "ベストアンサーの履歴"
        verbose_name_plural = "ベストアンサーの履歴"

    def __str__(self) -> str:
        return f"{self.topic}: {self.get_action_display()}"


class MeetingScribe(models.Model):
    """The 書記 a head names for a meeting: they may write its notes."""

    meeting = models.OneToOneField(
        "sections.Meeting",
        verbose_name="情報交換会",
        on_delete=models.CASCADE,
        related_name="discussion_scribe",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="書記", on_delete=models.CASCADE, related_name="+"
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指名した人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("指名日時", default=timezone.now)

    class Meta:
        verbose_name = "書記"
        verbose_name_plural = "書記"

    def __str__(self) -> str:
        return f"{self.meeting}: {self.user_id}"


class Entry(models.Model):
    """A 参考Q&A entry: a curated question and answer of a section, with its sources.
    Published entries (公開) are readable by anyone at /qa/, without names."""

    section = models.ForeignKey(
        "sections.Section", verbose_name="課", on_delete=models.CASCADE, related_name="qa_entries"
    )
    title = models.CharField("質問", max_length=TITLE_MAX)
    question = models.TextField("質問の詳細", max_length=BODY_MAX, blank=True)
    question_html = models.TextField(blank=True)
    answer = models.TextField("回答", max_length=BODY_MAX)
    answer_html = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, verbose_name="タグ", blank=True, related_name="qa_entries")
    source_topics = models.ManyToManyField(
        Topic, verbose_name="元の話題", blank=True, related_name="qa_entries"
    )
    source_meetings = models.ManyToManyField(
        "sections.Meeting", verbose_name="元の情報交換会", blank=True, related_name="qa_entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公開した事務局",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "参考Q&A"
        verbose_name_plural = "参考Q&A"
        indexes = [
            models.Index(fields=["section", "-updated_at"], name="entry_section_updated"),
            models.Index(
                fields=["-published_at"],
                name="entry_published",
                condition=Q(published_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:qa_entry", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
