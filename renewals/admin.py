"""Staff tools for 年度更新: cycles (create with the default dates, move dates, close
early; never reopen), the dashboard (counts and %, by prefecture and by body, the changes
of body waiting review) and its CSV.

Permissions (core/staff_roles.py, migration 0002): the dashboard needs
`renewals.view_cycle`, the CSV `renewals.export_renewals`, closing `renewals.change_cycle`.
The change of body itself is verified where every change of affiliation is: the member's
page in accounts (`accounts.verify_affiliation`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_safety import SafeAdminMixin, require
from core.errors import ServiceError

from . import selectors, services
from .models import BodyChange, Cycle, Reminder, Renewal

PHASES = {
    "scheduled": "開始前",
    "open": "受付中",
    "overdue": "猶予期間（要確認）",
    "ended": "終了",
}


def default_fiscal_year(today=None) -> int:
    """The next April's year once this year's cycle is over (from June), else this one."""
    today = today or timezone.localdate()
    return today.year + 1 if today.month >= 6 else today.year


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ("fiscal_year", "opens_on", "due_on", "grace_until")

    def clean(self):
        data = super().clean() or {}
        if self.instance.pk and self.instance.closed_on:
            raise forms.ValidationError("終了した年度更新は変更・再開できません。")
        if self.errors:
            return data
        try:
            if self.instance.pk and self.instance.opened_at:
                if data["opens_on"] != self.instance.opens_on:
                    raise services.RenewalError(
                        "受付を始めた年度更新の受付開始日は変えられません。"
                    )
            services._validate_dates(
                opens_on=data["opens_on"],
                due_on=data["due_on"],
                grace_until=data["grace_until"],
                exclude=self.instance.pk,
            )
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Cycle)
class CycleAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = CycleForm
    list_display = (
        "__str__", "opens_on", "due_on", "grace_until", "closed_on", "phase_label",
        "dashboard_link",
    )  # fmt: skip
    readonly_fields = ("closed_on", "opened_at", "lapsed_at", "created_by", "created_at")

    @admin.display(description="状況")
    def phase_label(self, obj):
        return PHASES[obj.phase(timezone.localdate())]

    @admin.display(description="状況の確認")
    def dashboard_link(self, obj):
        url = reverse("admin:renewals_cycle_dashboard", args=[obj.pk])
        return format_html('<a href="{}">ダッシュボード</a>', url)

    def get_changeform_initial_data(self, request):
        year = default_fiscal_year()
        return {"fiscal_year": year, **services.cycle_defaults(year)}

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.closed_on:
            return (*self.readonly_fields, "fiscal_year", "opens_on", "due_on", "grace_until")
        if obj is not None:
            return (*self.readonly_fields, "fiscal_year")
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.opened_at:
            return False  # its members' answers are the record
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        if change:
            saved = services.cycle_update(
                cycle_id=obj.pk,
                opens_on=d["opens_on"],
                due_on=d["due_on"],
                grace_until=d["grace_until"],
            )
        else:
            saved = services.cycle_create(
                fiscal_year=d["fiscal_year"],
                opens_on=d["opens_on"],
                due_on=d["due_on"],
                grace_until=d["grace_until"],
                actor=request.user,
            )
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_urls(self):
        return [
            path(
                "<int:pk>/dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="renewals_cycle_dashboard",
            ),
            path(
                "<int:pk>/dashboard.csv",
                self.admin_site.admin_view(self.dashboard_csv),
                name="renewals_cycle_dashboard_csv",
            ),
            path(
                "<int:pk>/close/",
                self.admin_site.admin_view(self.close_view),
                name="renewals_cycle_close",
            ),
            *super().get_urls(),
        ]

    def has_export_permission(self, request):
        return request.user.has_perm("renewals.export_renewals")

    def dashboard_view(self, request, pk: int):
        require(self, request, "view")
        cycle = get_object_or_404(Cycle, pk=pk)
        board = selectors.dashboard(cycle)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{cycle}：状況",
            "cycle": cycle,
            "board": board,
            "phase_label": PHASES[board.phase],
            "opts": self.model._meta,
            "can_export": self.has_export_permission(request),
            "can_close": self.has_change_permission(request, cycle) and not cycle.closed_on,
            "can_verify": request.user.has_perm("accounts.verify_affiliation"),
        }
        return TemplateResponse(request, "admin/renewals/dashboard.html", context)

    def dashboard_csv(self, request, pk: int):
        require(self, request, "export")
        cycle = get_object_or_404(Cycle, pk=pk)
        from core.exports import csv_response  # the one CSV writer (BOM, formula-safe)

        response: HttpResponse = csv_response(
            header=selectors.CSV_HEADER,
            rows=selectors.csv_rows(cycle),
            filename=f"renewal-{cycle.fiscal_year}.csv",
        )
        return response

    def close_view(self, request, pk: int):
        require(self, request, "change")  # before anything else (403 tells nothing)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cycle = get_object_or_404(Cycle, pk=pk)
        try:
            services.cycle_close(cycle_id=cycle.pk, actor=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{cycle}を終了しました（再開はできません）。")
        return HttpResponseRedirect(reverse("admin:renewals_cycle_dashboard", args=[cycle.pk]))


class ReadOnlyAdmin(SafeAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Renewal)
class RenewalAdmin(ReadOnlyAdmin):
    list_display = ("user", "cycle", "state", "choice", "confirmed_at", "lapsed_at")
    list_filter = ("cycle", "state", "choice")
    search_fields = ("user__full_name", "user__email")
    list_select_related = ("user", "cycle")
    raw_id_fields = ("user",)


@admin.register(BodyChange)
class BodyChangeAdmin(ReadOnlyAdmin):
    list_display = ("renewal", "local_government", "work_email", "created_at", "verified_at")
    list_select_related = ("renewal__cycle", "local_government")
    exclude = ("token",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("renewal", "kind", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("renewal__cycle",)
