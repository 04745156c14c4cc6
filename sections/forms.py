from __future__ import annotations

from django import forms
from django.utils import timezone

from events.models import Event

from .models import Meeting

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class JSTDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local">: the member types Japan time (TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def _dt_field(label: str, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=JSTDateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"],
        error_messages={
            "required": f"{label}を入力してください。",
            "invalid": f"{label}は「2025-04-05 21:00」のように入力してください。",
        },
    )


class MeetingForm(forms.Form):
    title = forms.CharField(
        label="タイトル",
        max_length=120,
        error_messages={"required": "タイトルを入力してください。"},
    )
    description = forms.CharField(
        label="アジェンダ", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    starts_at = _dt_field("開始日時", help_text="日本時間（JST）")
    ends_at = _dt_field("終了日時", help_text="日本時間（JST）")
    format = forms.ChoiceField(
        label="形式",
        choices=Event.Format.choices,
        initial=Event.Format.ONLINE,
        widget=forms.RadioSelect,
    )
    join_url = forms.URLField(
        label="参加URL（オンライン）",
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text="参加が確定した人にだけ、開始前に個人用リンク経由で表示されます。",
        error_messages={"invalid": "参加URLは https:// から始まるURLを入力してください。"},
    )
    place = forms.CharField(label="会場", max_length=200, required=False)
    capacity = forms.IntegerField(
        label="定員",
        required=False,
        min_value=1,
        max_value=10000,
        help_text="空欄なら定員なし。満席後はキャンセル待ちになります。",
        error_messages={
            "min_value": "定員は1人以上にしてください。",
            "invalid": "定員は数字で入力してください。",
        },
    )
    rsvp_deadline = _dt_field(
        "申込締切", required=False, help_text="空欄なら開始時刻まで受け付けます。"
    )
    audience = forms.ChoiceField(
        label="対象",
        choices=Meeting.Audience.choices,
        initial=Meeting.Audience.SECTION,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, require_future: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_future = require_future

    def clean_join_url(self):
        url = self.cleaned_data.get("join_url", "")
        if url and not url.startswith("https://"):
            raise forms.ValidationError("参加URLは https:// から始まるURLを入力してください。")
        return url

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        deadline = data.get("rsvp_deadline")
        if starts and self.require_future and starts <= timezone.now():
            self.add_error("starts_at", "開始日時は未来の日時にしてください。")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "終了日時は開始日時より後にしてください。")
        if starts and deadline and deadline > starts:
            self.add_error("rsvp_deadline", "申込締切は開始日時より前にしてください。")
        if data.get("format") == Event.Format.ONLINE and not data.get("join_url"):
            self.add_error("join_url", "オンライン開催では参加URLを入力してください。")
        if data.get("format") == Event.Format.PLACE and not data.get("place"):
            self.add_error("place", "会場で開催する場合は会場を入力してください。")
        return data

    @classmethod
    def initial_from(cls, meeting: Meeting) -> dict:
        """Initial values as the form shows them (minutes), so that `changed_data` lists
        only what the head really changed."""
        event = meeting.event

        def minutes(value):
            return timezone.localtime(value).replace(second=0, microsecond=0)

        return {
            "title": event.title,
            "description": event.description,
            "starts_at": minutes(event.starts_at),
            "ends_at": minutes(event.ends_at),
            "format": event.format,
            "join_url": event.join_url,
            "place": event.place,
            "capacity": event.capacity,
            "rsvp_deadline": minutes(event.rsvp_deadline) if event.rsvp_deadline else None,
            "audience": meeting.audience,
        }


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label="ひとこと（任意）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    message = forms.CharField(label="メッセージ（任意）", required=False, max_length=500)
