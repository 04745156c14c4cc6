"""The shape of the coverage page's query string."""

from __future__ import annotations

from django import forms

from .selectors import DEFAULT_SORT, SORTS

QUERY_MAX_LENGTH = 50


class CoverageFilterForm(forms.Form):
    """?prefecture=13&sort=-rate&q=ちよだ — every field optional."""

    prefecture = forms.CharField(required=False, max_length=2)
    sort = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=QUERY_MAX_LENGTH, strip=True)

    error_messages = {
        "prefecture": (
            "都道府県の指定「%(value)s」は正しくありません。"
            "01（北海道）〜47（沖縄県）の番号で指定してください。"
        ),
        "q": f"検索語は{QUERY_MAX_LENGTH}文字以内で入力してください。",
    }

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["prefecture"].error_messages["max_length"] = self.error_messages[
            "prefecture"
        ] % {"value": (data.get("prefecture") or "")[:10]}
        self.fields["q"].error_messages["max_length"] = self.error_messages["q"]

    def clean_prefecture(self) -> str:
        value = (self.cleaned_data.get("prefecture") or "").strip()
        if not value:
            return ""
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 47:
            raise forms.ValidationError(self.error_messages["prefecture"] % {"value": value})
        return f"{int(value):02d}"

    def clean_sort(self) -> str:
        # An unknown sort is harmless: fall back to the default order.
        value = self.cleaned_data.get("sort") or ""
        return value if value in SORTS else DEFAULT_SORT

    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return ""
