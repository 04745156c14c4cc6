"""Forms check the shape of input only; the rules are in services and selectors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import uploads

from . import text
from .models import BODY_MAX, TAG_MAX, TITLE_MAX, SectionSetting, Topic
from .services import ATTACHMENTS_MAX

TAGS_HELP = "読点（、）・カンマ・スペースで区切って10個まで。例: ワクチン、予約"
BODY_HELP = (
    "Markdown が使えます（**太字**、- 箇条書き、> 引用、URL は自動でリンク）。"
    "@[氏名] と書くと、その会員にお知らせします（この話題を読める会員だけ）。"
)
FILES_HELP = (
    f"{uploads.ALLOWED_TEXT}。1ファイル10 MBまで、{ATTACHMENTS_MAX}個まで。"
    "画像は本文に直接は埋め込めません（添付してください）。"
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        items = [item for item in items if item]
        if len(items) > ATTACHMENTS_MAX:
            raise ValidationError(f"添付できるファイルは{ATTACHMENTS_MAX}個までです。")
        cleaned = []
        for item in items:
            item = super().clean(item, initial)
            uploads.check_upload(item)
            cleaned.append(item)
        return cleaned


def _files_field() -> MultipleFileField:
    return MultipleFileField(label="添付ファイル", required=False, help_text=FILES_HELP)


def _body_field(label: str = "本文") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": (
                f"{label}は{BODY_MAX:,}文字以内にしてください（%(show_value)d文字あります）。"
            ),
        },
    )


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "タグ")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("help_text", TAGS_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return ", ".join(text.parse_tags(value or ""))
        except text.TagError as exc:
            raise ValidationError(str(exc)) from exc


def _title_field(label: str = "題名") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TITLE_MAX,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": (
                f"{label}は{TITLE_MAX}文字以内にしてください（%(show_value)d文字あります）。"
            ),
        },
    )


class TopicForm(forms.Form):
    kind = forms.ChoiceField(
        label="種類",
        choices=Topic.Kind.choices,
        widget=forms.RadioSelect,
        initial=Topic.Kind.QUESTION,
        error_messages={
            "required": "種類を選んでください。",
            "invalid_choice": "種類を選んでください。",
        },
    )
    title = _title_field()
    body = _body_field()
    tags = TagsField()
    files = _files_field()  # type: ignore[assignment]  # a declared field (the metaclass pops it)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 似た質問 (search): while the title is typed, similar topics and entries appear
        # under it (templates/search/_similar.html).
        self.fields["title"].widget.attrs.update(
            {
                "hx-get": reverse("search:similar"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#similar-questions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-encoding": "application/x-www-form-urlencoded",
                "autocomplete": "off",
                "aria-describedby": "similar-questions",
            }
        )


class TopicEditForm(forms.Form):
    kind = TopicForm.base_fields["kind"]
    title = _title_field()
    body = _body_field()
    tags = TagsField()


class ReplyForm(forms.Form):
    body = _body_field("返信")
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    files = _files_field()  # type: ignore[assignment]  # a declared field (the metaclass pops it)


class PostEditForm(forms.Form):
    body = _body_field()


class NotesForm(forms.Form):
    title = forms.CharField(
        label="題名", max_length=TITLE_MAX, required=False, help_text="空欄なら会の名前と日付"
    )
    body = _body_field("議事メモ")
    files = _files_field()  # type: ignore[assignment]  # a declared field (the metaclass pops it)


class EntryForm(forms.Form):
    title = _title_field("質問")
    question = forms.CharField(
        label="質問の詳細",
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="公開すると誰でも読めます。氏名や自治体名、個人情報を書かないでください。",
    )
    answer = forms.CharField(
        label="回答",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "回答を入力してください。"},
    )
    tags = TagsField()


class ReadingForm(forms.Form):
    reading = forms.ChoiceField(
        label="話題の公開範囲",
        choices=SectionSetting.Reading.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "公開範囲を選んでください。",
            "invalid_choice": "公開範囲を選んでください。",
        },
    )


def parse_filters(params) -> dict[str, str]:
    """The topic list's filters from the query string; unknown values mean 'all'."""
    kind = params.get("kind", "")
    state = params.get("state", "")
    tag = text.normalise_tag(params.get("tag", "")[: TAG_MAX * 2])[:TAG_MAX]
    return {
        "kind": kind if kind in Topic.Kind.values else "",
        "state": state if state in ("solved", "unsolved") else "",
        "tag": tag,
    }
