from django import forms

from .services import MAX_ANSWER


class ApplyForm(forms.Form):
    """事前質問: one optional text answer per question of the training."""

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question,
                required=False,
                max_length=MAX_ANSWER,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("answer_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("answer_")
        }


class AnnouncementForm(forms.Form):
    subject = forms.CharField(label="件名", max_length=120)
    body = forms.CharField(label="本文", widget=forms.Textarea(attrs={"rows": 8}))
