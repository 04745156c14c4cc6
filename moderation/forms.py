from __future__ import annotations

from django import forms

from .models import TEXT_MAX, Case, Penalty, Reason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="報告の理由", choices=Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label="詳しい内容",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="「その他」を選んだときは必ず書いてください。投稿者には伝わりません。",
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("reason") == Reason.OTHER and not (data.get("text") or "").strip():
            self.add_error("text", "「その他」を選んだときは、報告の内容を書いてください。")
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断", choices=Case.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="判断の理由（投稿者に伝えます）",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    redacted_body = forms.CharField(
        label="伏せた後の本文（「編集して一部を伏せる」のとき）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class PenaltyForm(forms.Form):
    kind = forms.ChoiceField(label="処分", choices=Penalty.Kind.choices, widget=forms.RadioSelect)
    days = forms.IntegerField(
        label="期間（日）",
        required=False,
        min_value=1,
        max_value=365,
        help_text="投稿停止は必須。利用停止は空欄なら期限なし（事務局が解除するまで）。",
    )
    reason = forms.CharField(
        label="理由（会員に伝えます）",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterForm(forms.Form):
    reason = forms.ChoiceField(
        label="理由", required=False, choices=[("", "すべて"), *Reason.choices]
    )
    section = forms.CharField(label="課", required=False)
    state = forms.ChoiceField(
        label="状態",
        required=False,
        choices=[("open", "未判断（未対応・自動非表示）"), *Case.State.choices, ("all", "すべて")],
    )
