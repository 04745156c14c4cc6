"""年度更新: the shape of each answer (the rules are in services)."""

from __future__ import annotations

from django import forms

from accounts.choices import JOB_TYPES
from accounts.forms import AffiliationFormMixin, name_the_fields


class WithinForm(forms.Form):
    """同じ団体内で異動: the new 部署, 役職 and 職種."""

    department = forms.CharField(label="新しい部署", max_length=100)
    position = forms.CharField(label="役職", max_length=60, required=False)
    job_type = forms.ChoiceField(label="職種", choices=[("", "職種を選ぶ"), *JOB_TYPES])
    effective_on = forms.DateField(
        label="異動の日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="空欄なら今日の日付で記録します。",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "within")
        super().__init__(*args, **kwargs)
        name_the_fields(self)

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "department": d["department"].strip(),
            "position": (d.get("position") or "").strip(),
            "job_type": d["job_type"],
        }


class BodyForm(AffiliationFormMixin):
    """別の団体へ異動・出向: the new body, 部署, and the new work address to verify."""

    work_email = forms.EmailField(
        label="新しい職場のメールアドレス",
        help_text="確認のリンクをこのアドレスに送ります。",
    )
    effective_on = forms.DateField(
        label="異動・出向の日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="空欄なら確認した日の日付で記録します。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields(self)
        self.fields["department"].label = "新しい部署"

    def service_data(self) -> dict:
        return {**self.affiliation_data(), "work_email": self.cleaned_data["work_email"]}


class RetiredForm(forms.Form):
    confirm = forms.BooleanField(
        label="退職した（公務員でなくなった）ので退庁します。氏名・メールアドレス・自己紹介が"
        "消去され、元に戻せないことを理解しました",
        error_messages={"required": "確認のチェックを入れてください。"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "retired")
        super().__init__(*args, **kwargs)
