from __future__ import annotations

from django import forms
from django.utils import timezone

from events.models import Event

from .models import Meeting, MeetingSeries
from .recurrence import WEEKDAY_LABELS

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
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
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


# --- Meeting series -----------------------------------------------------------------------

WEEKDAY_CHOICES = [(code, f"{label}曜") for code, label in WEEKDAY_LABELS.items()]
RULE_FORM_FIELDS = (
    "repeat",
    "weekdays",
    "week_of_month",
    "month_day",
    "starts_on",
    "end_by",
    "ends_on",
    "count",
    "skip_holidays",
)


class SeriesForm(forms.Form):
    """A series: the rule and the defaults of its meetings. `scope`: "create" (all
    fields), "following" (この回以降: the rule from the chosen meeting on, so no start
    date) or "all" (すべての回: the defaults only). Shape only: an end before the start,
    a rule with no dates or longer than two years are the service's to refuse."""

    title = forms.CharField(
        label="タイトル",
        max_length=120,
        error_messages={"required": "タイトルを入力してください。"},
    )
    description = forms.CharField(
        label="アジェンダ", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    repeat = forms.ChoiceField(
        label="繰り返し",
        choices=MeetingSeries.Repeat.choices,
        initial=MeetingSeries.Repeat.WEEKLY,
        widget=forms.RadioSelect,
        error_messages={"required": "繰り返しを選んでください。"},
    )
    weekdays = forms.MultipleChoiceField(
        label="曜日",
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="毎週・2週ごと・4週ごとは複数選べます。毎月の第n・最終曜日は1つだけ。",
        error_messages={"invalid_choice": "曜日の指定が正しくありません。"},
    )
    week_of_month = forms.TypedChoiceField(
        label="第何週（毎月 第n曜日のとき）",
        choices=[("", "—")] + [(str(n), f"第{n}") for n in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "第何週かを1〜4から選んでください。"},
    )
    month_day = forms.IntegerField(
        label="日付（毎月 日付のとき）",
        required=False,
        min_value=1,
        max_value=31,
        help_text="その日がない月（31日など）は飛ばされます。",
        error_messages={
            "min_value": "日付は1〜31で入力してください。",
            "max_value": "日付は1〜31で入力してください。",
            "invalid": "日付は数字で入力してください。",
        },
    )
    starts_on = forms.DateField(
        label="開始日",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        error_messages={
            "required": "開始日を入力してください。",
            "invalid": "開始日は「2026-04-04」のように入力してください。",
        },
    )
    end_by = forms.ChoiceField(
        label="終わり",
        choices=[("date", "終了日まで"), ("count", "回数で")],
        initial="date",
        widget=forms.RadioSelect,
        error_messages={"required": "終わり方を選んでください。"},
    )
    ends_on = forms.DateField(
        label="終了日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        help_text="シリーズは2年以内です。",
        error_messages={"invalid": "終了日は「2026-12-26」のように入力してください。"},
    )
    count = forms.IntegerField(
        label="回数",
        required=False,
        min_value=1,
        max_value=500,
        help_text="休みの祝日も1回に数えます。",
        error_messages={
            "min_value": "回数は1回以上にしてください。",
            "max_value": "回数が多すぎます（シリーズは2年以内です）。",
            "invalid": "回数は数字で入力してください。",
        },
    )
    skip_holidays = forms.BooleanField(
        label="祝日は休みにする",
        required=False,
        initial=True,
        help_text="休みの日は一覧に「休み」と表示されます。",
    )
    start_time = forms.TimeField(
        label="開始時刻",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
        help_text="日本時間（JST）",
        error_messages={
            "required": "開始時刻を入力してください。",
            "invalid": "開始時刻は「21:00」のように入力してください。",
        },
    )
    duration_minutes = forms.IntegerField(
        label="長さ（分）",
        initial=60,
        min_value=15,
        max_value=720,
        error_messages={
            "required": "長さを入力してください。",
            "min_value": "長さは15分以上にしてください。",
            "max_value": "長さは720分（12時間）までにしてください。",
            "invalid": "長さは数字（分）で入力してください。",
        },
    )
    format = MeetingForm.base_fields["format"]
    join_url = MeetingForm.base_fields["join_url"]
    place = MeetingForm.base_fields["place"]
    capacity = MeetingForm.base_fields["capacity"]
    audience = MeetingForm.base_fields["audience"]

    def __init__(self, *args, scope: str = "create", **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        if scope == "all":
            for name in RULE_FORM_FIELDS:
                del self.fields[name]
        elif scope == "following":
            del self.fields["starts_on"]

    def clean_join_url(self):
        url = self.cleaned_data.get("join_url", "")
        if url and not url.startswith("https://"):
            raise forms.ValidationError("参加URLは https:// から始まるURLを入力してください。")
        return url

    def clean(self):
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
        if data.get("format") == Event.Format.ONLINE and not data.get("join_url"):
            self.add_error("join_url", "オンライン開催では参加URLを入力してください。")
        if data.get("format") == Event.Format.PLACE and not data.get("place"):
            self.add_error("place", "会場で開催する場合は会場を入力してください。")
        if self.scope == "all":
            return data
        repeat = data.get("repeat")
        weekdays = data.get("weekdays") or []
        if repeat in ("weekly", "biweekly", "fourweekly") and not weekdays:
            self.add_error("weekdays", "曜日を1つ以上選んでください。")
        if repeat in ("monthly_nth", "monthly_last") and len(weekdays) != 1:
            self.add_error("weekdays", "毎月の曜日は1つだけ選んでください。")
        if repeat == "monthly_nth" and not data.get("week_of_month"):
            self.add_error("week_of_month", "第何週かを選んでください。")
        if repeat == "monthly_date" and not data.get("month_day"):
            self.add_error("month_day", "日付を入力してください。")
        if data.get("end_by") == "date" and not data.get("ends_on"):
            if "ends_on" not in self.errors:
                self.add_error("ends_on", "終了日を入力してください。")
        if data.get("end_by") == "count" and not data.get("count"):
            if "count" not in self.errors:
                self.add_error("count", "回数を入力してください。")
        return data

    def service_fields(self) -> dict:
        """What the services take: the fields that apply to the rule kind only."""
        data = dict(self.cleaned_data)
        if self.scope == "all":
            return {name: data[name] for name in self.fields}
        end_by = data.pop("end_by")
        if end_by == "date":
            data["count"] = None
        else:
            data["ends_on"] = None
        repeat = data["repeat"]
        if repeat != "monthly_nth":
            data["week_of_month"] = None
        if repeat != "monthly_date":
            data["month_day"] = None
        else:
            data["weekdays"] = []
        return data

    @classmethod
    def initial_from(cls, part: MeetingSeries, *, last_date=None) -> dict:
        initial = {
            name: getattr(part, name)
            for name in (
                "title",
                "description",
                "repeat",
                "week_of_month",
                "month_day",
                "starts_on",
                "ends_on",
                "count",
                "skip_holidays",
                "start_time",
                "duration_minutes",
                "format",
                "join_url",
                "place",
                "capacity",
                "audience",
            )
        }
        initial["weekdays"] = part.weekday_codes
        initial["week_of_month"] = str(part.week_of_month) if part.week_of_month else ""
        initial["end_by"] = "count" if part.count else "date"
        if part.count is None and part.ends_on is None and last_date is not None:
            initial["ends_on"] = last_date
        return initial
