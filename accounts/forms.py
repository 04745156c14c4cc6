from __future__ import annotations

import re
import unicodedata

from django import forms

from municipalities.models import LocalGovernment, Prefecture

from .choices import JOB_TYPES, MINISTRY_CHOICES
from .models import AffiliationType, User

KANA_RE = re.compile(r"^[ァ-ヴー・ヽヾ\u3000 ]+$")


def to_katakana(text: str) -> str:
    """NFKC (half-width → full-width) and hiragana → katakana."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


class LocalGovernmentCodeField(forms.CharField):
    """A local government chosen by its 6-digit code; unknown or defunct codes are errors."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        lg = (
            LocalGovernment.objects.select_related("prefecture")
            .filter(code=code, is_defunct=False)
            .first()
        )
        if lg is None:
            raise forms.ValidationError(
                "所属する自治体が見つかりません。一覧から選び直してください。"
            )
        return lg


class AffiliationFormMixin(forms.Form):
    """Shared shape checks for the application and the profile."""

    affiliation_type = forms.ChoiceField(
        label="所属の種類", choices=AffiliationType.choices, widget=forms.RadioSelect
    )
    prefecture = forms.ModelChoiceField(
        label="都道府県",
        queryset=Prefecture.objects.all(),
        required=False,
        empty_label="都道府県を選ぶ",
        to_field_name="code",
    )
    local_government = LocalGovernmentCodeField(label="自治体", required=False)
    ministry = forms.ChoiceField(
        label="府省庁", choices=[("", "府省庁を選ぶ"), *MINISTRY_CHOICES], required=False
    )
    other_body = forms.CharField(label="所属機関の名称", max_length=100, required=False)
    department = forms.CharField(label="部署", max_length=100)
    position = forms.CharField(label="役職", max_length=60, required=False)
    # No default: the applicant must choose (「その他」 exists).
    job_type = forms.ChoiceField(label="職種", choices=[("", "職種を選ぶ"), *JOB_TYPES])

    def clean(self):
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
        kind = data.get("affiliation_type")
        if kind == AffiliationType.LOCAL_GOVERNMENT:
            lg = data.get("local_government")
            if not lg and "local_government" not in self.errors:
                self.add_error("local_government", "所属する自治体を選んでください。")
            pref = data.get("prefecture")
            if lg and pref and lg.prefecture_id != pref.code:
                self.add_error(
                    "local_government", "所属する自治体が、選んだ都道府県のものではありません。"
                )
            data["ministry"], data["other_body"] = "", ""
        elif kind == AffiliationType.MINISTRY:
            if not data.get("ministry"):
                self.add_error("ministry", "府省庁を選んでください。")
            data["local_government"], data["other_body"] = None, ""
        elif kind == AffiliationType.OTHER:
            if not (data.get("other_body") or "").strip():
                self.add_error("other_body", "所属機関の名称を入力してください。")
            data["local_government"], data["ministry"] = None, ""
        return data

    def affiliation_data(self) -> dict:
        d = self.cleaned_data
        return {
            "affiliation_type": d["affiliation_type"],
            "local_government": d.get("local_government"),
            "ministry": d.get("ministry") or "",
            "other_body": (d.get("other_body") or "").strip(),
            "department": d["department"].strip(),
            "position": (d.get("position") or "").strip(),
            "job_type": d.get("job_type") or "",
        }


class NameFieldsMixin(forms.Form):
    full_name = forms.CharField(label="氏名", max_length=60)
    full_name_kana = forms.CharField(
        label="フリガナ",
        max_length=80,
        help_text="全角カタカナで入力してください（例：ヨコイト タロウ）",
    )
    work_email = forms.EmailField(
        label="職場のメールアドレス",
        required=False,
        help_text="ログインに使うアドレスと違う場合のみ入力してください。",
    )
    introduction = forms.CharField(
        label="自己紹介",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="1,000 文字まで。",
    )

    def clean_full_name(self):
        return self.cleaned_data["full_name"].strip()

    def clean_full_name_kana(self):
        kana = to_katakana(self.cleaned_data["full_name_kana"])
        if not KANA_RE.match(kana):
            raise forms.ValidationError("フリガナは全角カタカナで入力してください。")
        return kana


def initial_from_user(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "full_name_kana": user.full_name_kana,
        "affiliation_type": user.affiliation_type or AffiliationType.LOCAL_GOVERNMENT,
        "prefecture": user.local_government.prefecture_id if user.local_government else None,
        "local_government": user.local_government.code if user.local_government else "",
        "ministry": user.ministry,
        "other_body": user.other_body,
        "department": user.department,
        "position": user.position,
        "job_type": user.job_type,
        "work_email": user.work_email,
        "introduction": user.introduction,
    }


def name_the_fields(form: forms.Form) -> None:
    """Error messages that name their field (「部署を入力してください。」, not Django's
    「このフィールドは必須です。」): required, too long, bad e-mail or date, unknown choice.
    A message a field sets itself (e.g. the agreement's) is kept."""
    default_required = str(forms.Field.default_error_messages["required"])
    for field in form.fields.values():
        label = field.label
        messages = field.error_messages
        choose = isinstance(field.widget, (forms.Select, forms.RadioSelect))
        if str(messages.get("required", "")) == default_required:
            messages["required"] = (
                f"{label}を選んでください。" if choose else f"{label}を入力してください。"
            )
        messages["max_length"] = (
            f"{label}は%(limit_value)d文字以内で入力してください（いま%(show_value)d文字です）。"
        )
        if isinstance(field, forms.EmailField):
            messages["invalid"] = (
                f"{label}の形式が正しくありません（例：name@city.example.lg.jp）。"
            )
        elif isinstance(field, forms.DateField):
            messages["invalid"] = f"{label}は「2026-04-01」の形で入力してください。"
        if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
            messages["invalid_choice"] = f"{label}は一覧から選んでください。"


class PersonForm(NameFieldsMixin, AffiliationFormMixin):
    """Name, affiliation and introduction: what the application and the profile share."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields(self)

    def to_service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "full_name": d["full_name"],
            "full_name_kana": d["full_name_kana"],
            "work_email": d.get("work_email") or "",
            "introduction": d.get("introduction") or "",
            **self.affiliation_data(),
        }


class ApplicationForm(PersonForm):
    agree = forms.BooleanField(
        label="横糸のルールと行動規範に同意し、現役の公務員であることを申告します",
        error_messages={"required": "参加には、ルールへの同意が必要です。"},
    )

    field_order = [
        "full_name", "full_name_kana", "affiliation_type", "prefecture", "local_government",
        "ministry", "other_body", "department", "position", "job_type", "work_email",
        "introduction", "agree",
    ]  # fmt: skip


class ProfileForm(PersonForm):
    effective_on = forms.DateField(
        label="異動・出向の日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="所属を変えた場合のみ。空欄なら今日の日付で記録します。",
    )


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="名前・部署", max_length=100, required=False)
    prefecture = forms.ModelChoiceField(
        label="都道府県",
        queryset=Prefecture.objects.all(),
        required=False,
        empty_label="すべて",
        to_field_name="code",
    )
    local_government = forms.CharField(label="自治体名", max_length=40, required=False)
    job_type = forms.ChoiceField(label="職種", choices=[("", "すべて"), *JOB_TYPES], required=False)
    section = forms.CharField(label="課", max_length=100, required=False)


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label="退庁すると、氏名・メールアドレス・自己紹介が消去され、元に戻せないことを理解しました",
        error_messages={"required": "確認のチェックを入れてください。"},
    )
