"""Staff tools for trainings: create/edit (through the services), registrants, CSV,
a message to all registrants, attendance pre-filled from personal-link clicks.

The registrants are personal data with their own permissions (core/staff_roles.py): the
list needs `trainings.view_registrants`, the CSV `trainings.export_registrants`, the
message `trainings.mail_registrants`, and saving attendance the training's change
permission."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core import uploads
from core.admin_safety import SafeAdminMixin, require
from events.models import Event, Registration
from events.services import RegistrationError

from . import search_docs, selectors, services
from .forms import AnnouncementForm
from .models import Announcement, Lecturer, Material, Training

EVENT_FORM_FIELDS = (
    "title", "description", "starts_at", "ends_at", "format", "join_url", "place", "capacity",
    "rsvp_deadline", "reminder_offsets",
)  # fmt: skip


OWN_FORM_FIELDS = (
    "application_opens_at", "audience", "audience_job_types", "questions", "archive_url",
    "archive_access",
)  # fmt: skip


class TrainingAdminForm(forms.ModelForm):
    """The training's own fields plus its event's, saved through the services."""

    title = forms.CharField(label="タイトル", max_length=120)
    description = forms.CharField(label="内容", widget=forms.Textarea, required=False)
    starts_at = forms.SplitDateTimeField(label="開始日時", widget=AdminSplitDateTime)
    ends_at = forms.SplitDateTimeField(label="終了日時", widget=AdminSplitDateTime)
    format = forms.ChoiceField(label="形式", choices=Event.Format.choices)
    join_url = forms.URLField(
        label="参加URL",
        required=False,
        assume_scheme="https",
        help_text="申込者には個人用リンク経由でのみ表示されます。直前の変更も再送不要です。",
    )
    place = forms.CharField(label="会場", required=False)
    capacity = forms.IntegerField(label="定員", required=False, min_value=1)
    rsvp_deadline = forms.SplitDateTimeField(
        label="申込締切",
        required=False,
        widget=AdminSplitDateTime,
        help_text="空欄なら開始の2日前",
    )
    archive_url = forms.URLField(
        label="アーカイブURL", required=False, assume_scheme="https", max_length=500
    )
    reminder_offsets = forms.CharField(
        label="リマインド（開始の何分前、カンマ区切り）", initial="1440,60", required=False
    )

    class Meta:
        model = Training
        fields = (
            "application_opens_at", "audience", "audience_sections", "audience_job_types",
            "questions", "archive_url", "archive_access",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            event = self.instance.event
            for name in EVENT_FORM_FIELDS:
                value = getattr(event, name)
                if name == "reminder_offsets":
                    value = ",".join(str(m) for m in value or [])
                self.initial[name] = value

    def clean_reminder_offsets(self):
        raw = self.cleaned_data.get("reminder_offsets") or ""
        try:
            values = sorted({int(x) for x in raw.replace("、", ",").split(",") if x.strip()})
        except ValueError:
            raise forms.ValidationError("分を数字で、カンマ区切りで入力してください。") from None
        if any(v <= 0 for v in values):
            raise forms.ValidationError("1分以上を指定してください。")
        return sorted(values, reverse=True)

    def clean(self):
        data = super().clean() or {}  # BaseForm.clean is typed as returning None too
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "終了日時は開始日時より後にしてください。")
        if data.get("format") == Event.Format.PLACE and not data.get("place"):
            self.add_error("place", "会場を入力してください。")
        if self.instance.pk and self.instance.event.is_cancelled:
            raise forms.ValidationError("中止した研修は変更できません。")
        return data

    def event_data(self) -> dict:
        data: dict = {name: self.cleaned_data.get(name) for name in EVENT_FORM_FIELDS}
        data["description"] = data["description"] or ""
        data["join_url"] = data["join_url"] or ""
        data["place"] = data["place"] or ""
        if not data["rsvp_deadline"]:
            data["rsvp_deadline"] = services.default_deadline(data["starts_at"])
        return data


class LecturerInline(admin.StackedInline):
    model = Lecturer
    extra = 1


class MaterialForm(forms.ModelForm):
    """Only the allowed types, checked by name and content (core.uploads): no HTML, no
    SVG, nothing executable, 10 MB at most."""

    class Meta:
        model = Material
        fields = ("title", "file")

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file is not None and hasattr(file, "content_type"):  # a new upload
            uploads.check_upload(file)
        return file


class MaterialInline(admin.TabularInline):
    model = Material
    form = MaterialForm
    extra = 1


@admin.register(Training)
class TrainingAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = TrainingAdminForm
    list_display = ("title", "starts_at", "audience", "is_orientation", "registrants_link")
    list_filter = ("is_orientation", "audience", "archive_access")
    search_fields = ("event__title", "lecturers__name")
    list_select_related = ("event",)
    inlines = (LecturerInline, MaterialInline)
    filter_horizontal = ("audience_sections",)
    fieldsets = (
        ("日程・定員", {"fields": EVENT_FORM_FIELDS}),
        (
            "申込と対象",
            {
                "fields": (
                    "application_opens_at",
                    "audience",
                    "audience_sections",
                    "audience_job_types",
                    "questions",
                )
            },
        ),
        ("アーカイブ", {"fields": ("archive_url", "archive_access")}),
    )

    @admin.display(description="タイトル", ordering="event__title")
    def title(self, obj):
        return obj.event.title

    @admin.display(description="開始", ordering="event__starts_at")
    def starts_at(self, obj):
        return timezone.localtime(obj.event.starts_at).strftime("%Y-%m-%d %H:%M")

    def has_registrants_permission(self, request, obj=None):
        return request.user.has_perm("trainings.view_registrants")

    def has_export_permission(self, request, obj=None):
        return request.user.has_perm("trainings.export_registrants")

    def has_mail_permission(self, request, obj=None):
        return request.user.has_perm("trainings.mail_registrants")

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if self.has_registrants_permission(request):
            return shown
        return tuple(name for name in shown if name != "registrants_link")

    @admin.display(description="申込者")
    def registrants_link(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:trainings_training_registrants", args=[obj.pk])
        return format_html('<a href="{}">申込者一覧</a>', url)

    def save_model(self, request, obj, form, change):
        own = {
            name: form.cleaned_data[name]
            for name in (
                "application_opens_at",
                "audience",
                "audience_job_types",
                "questions",
                "archive_url",
                "archive_access",
            )
        }
        try:
            if change:
                updated = services.training_update(training_id=obj.pk, **form.event_data(), **own)
            else:
                updated = services.training_create(**form.event_data(), **own)
        except RegistrationError as exc:  # form.clean() catches these first; never a 500
            messages.error(request, f"保存できませんでした：{exc.message}")
            form._service_failed = True
            return
        obj.pk = updated.pk
        obj.event_id = updated.event_id
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        if getattr(form, "_service_failed", False):
            return
        form.instance = Training.objects.get(pk=form.instance.pk)
        form.instance.audience_sections.set(form.cleaned_data.get("audience_sections") or [])
        for formset in formsets:
            formset.instance = form.instance
            self.save_formset(request, form, formset, change)
        search_docs.index_trainings([form.instance.pk])  # search: its 課 and lecturers

    def get_urls(self):
        return [
            *self._extra_urls(),
            *super().get_urls(),
        ]

    def _extra_urls(self):
        return [
            path(
                "<int:pk>/registrants/",
                self.admin_site.admin_view(self.registrants_view),
                name="trainings_training_registrants",
            ),
            path(
                "<int:pk>/registrants.csv",
                self.admin_site.admin_view(self.registrants_csv),
                name="trainings_training_registrants_csv",
            ),
        ]

    def registrants_view(self, request, pk: int):
        require(self, request, "registrants")
        training = get_object_or_404(Training.objects.select_related("event"), pk=pk)
        url = reverse("admin:trainings_training_registrants", args=[pk])
        form = AnnouncementForm()
        do = request.POST.get("do") if request.method == "POST" else None
        if do == "attendance":
            require(self, request, "change", obj=training)
        if do == "announce":
            require(self, request, "mail")
        if request.method == "POST" and request.POST.get("do") == "attendance":
            # ASCII digits only: "²".isdigit() is true but int("²") raises.
            ids = {int(x) for x in request.POST.getlist("attended") if x.isascii() and x.isdigit()}
            count = services.attendance_save(training_id=pk, attended_registration_ids=ids)
            messages.success(request, f"出席を保存しました（出席 {count} 人）。")
            return HttpResponseRedirect(url)
        if request.method == "POST" and request.POST.get("do") == "announce":
            form = AnnouncementForm(request.POST)
            if form.is_valid():
                sent = services.announcement_send(
                    training_id=pk,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    sender=request.user,
                )
                messages.success(request, f"{sent.recipients} 人にお知らせを送りました。")
                return HttpResponseRedirect(url)
        rows = []
        for reg in selectors.registrants(training):
            prefill = reg.attended if reg.attended is not None else reg.first_clicked_at is not None
            rows.append({"reg": reg, "checked": prefill})
        context = {
            **self.admin_site.each_context(request),
            "title": f"申込者一覧：{training.event.title}",
            "training": training,
            "rows": rows,
            "questions": training.questions or [],
            "form": form,
            "announcements": Announcement.objects.filter(training=training),
            "opts": self.model._meta,
            "going": Registration.Status.GOING,
            "can_export": self.has_export_permission(request),
            "can_mail": self.has_mail_permission(request),
            "can_record_attendance": self.has_change_permission(request, training),
        }
        return TemplateResponse(request, "admin/trainings/registrants.html", context)

    def registrants_csv(self, request, pk: int):
        if not self.has_export_permission(request):
            raise PermissionDenied
        training = get_object_or_404(Training.objects.select_related("event"), pk=pk)
        from core.exports import csv_response  # the one CSV writer (formula-safe)

        header, rows = selectors.registrants_table(training)
        response: HttpResponse = csv_response(
            header=header, rows=rows, filename=f"training-{training.pk}-registrants.csv"
        )
        return response
