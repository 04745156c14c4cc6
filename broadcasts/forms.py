from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import WEEKDAYS, Episode, Follow, Programme


class WeekForm(forms.Form):
    """?week=YYYY-MM-DD (any day of the week; the schedule starts on its Monday)."""

    week = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": "週の指定が正しくありません。YYYY-MM-DD の形式で指定してください。"
        },
    )

    def clean_week(self):
        week = self.cleaned_data["week"]
        if week is not None and not (dt.date(2000, 1, 1) <= week <= dt.date(2100, 12, 31)):
            raise ValidationError("週の指定が範囲外です。")
        return week


class ArchiveSearchForm(forms.Form):
    q = forms.CharField(
        label="キーワード",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "テーマ・パーソナリティ・ゲスト・番組"}
        ),
    )
    programme = forms.ModelChoiceField(
        label="番組",
        required=False,
        queryset=Programme.objects.order_by("name"),
        to_field_name="slug",
        empty_label="すべての番組",
    )


class FollowForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Follow
        fields = ["mode", "remind_minutes_before", "digest_time"]
        widgets = {
            "mode": forms.RadioSelect,
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "remind_minutes_before": forms.NumberInput(attrs={"min": 5, "max": 1440, "step": 5}),
        }
        help_texts = {
            "remind_minutes_before": "放送開始の何分前にメールを送るか（5〜1440 分）",
            "digest_time": "この時刻に、これから24時間の放送をまとめて1通でお知らせします",
        }


class WeekdaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", WEEKDAYS)
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)


class ProgrammeAdminForm(forms.ModelForm):
    weekdays = WeekdaysField(label="放送曜日", required=False)

    class Meta:
        model = Programme
        fields = [
            "name",
            "slug",
            "description",
            "personalities",
            "weekdays",
            "default_start_time",
            "is_active",
        ]

    def clean_weekdays(self):
        return sorted(set(self.cleaned_data["weekdays"]))


class EpisodeAdminForm(forms.ModelForm):
    """`air_date` follows `starts_at` (its JST date); one episode per programme per date."""

    live_url = forms.URLField(
        label="ライブ配信 URL", required=False, max_length=500, assume_scheme="https"
    )
    archive_url = forms.URLField(
        label="アーカイブ URL", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Episode
        fields = [
            "programme",
            "starts_at",
            "duration",
            "title",
            "personalities",
            "description",
            "live_url",
            "archive_url",
        ]

    def clean(self):
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
        starts_at, programme = data.get("starts_at"), data.get("programme")
        if starts_at and programme:
            air_date = timezone.localtime(starts_at).date()
            clash = Episode.objects.filter(programme=programme, air_date=air_date)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError(
                    f"{programme} には {air_date:%Y-%m-%d} の放送回がすでにあります。"
                )
            self.instance.air_date = air_date
        return data


class GenerateEpisodesForm(forms.Form):
    start = forms.DateField(label="開始日", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="終了日", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("終了日は開始日以降にしてください。")
        for day in (start, end):
            if day and not (dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31)):
                raise ValidationError("日付は2000年〜2100年の範囲で指定してください。")
        return data
