"""Moderation in the admin: read-only, for staff with the view permission. Reports,
decisions and penalties are made on the site (/moderation/, through the services); the
audit trail (審査の記録) can be read and never added to, changed or deleted. The one
thing staff write here is a new version of the 行動規範 (through the service)."""

from __future__ import annotations

from django.contrib import admin

from core.admin_safety import SafeAdminMixin

from . import services
from .models import AuditEntry, Case, CodeOfConduct, ConductAcceptance, Penalty, Report


class ReadOnlyAdmin(SafeAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ("reporter", "reason", "text", "created_at", "outcome_sent_at", "pending_sent_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "section",
        "state",
        "report_count",
        "opened_at",
        "decision",
        "decided_at",
    )
    list_filter = ("state", "kind", "decision")
    date_hierarchy = "opened_at"
    raw_id_fields = ("post", "profile", "author", "decided_by", "section")
    inlines = [ReportInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "reporter", "reason", "created_at")
    list_filter = ("reason",)
    raw_id_fields = ("case", "reporter", "post", "profile")


@admin.register(Penalty)
class PenaltyAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "kind", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("kind",)
    raw_id_fields = ("user", "case", "created_by", "lifted_by")


@admin.register(ConductAcceptance)
class ConductAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "version", "accepted_at")
    raw_id_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "subject", "case", "penalty", "detail")
    list_filter = ("action",)
    date_hierarchy = "created_at"
    raw_id_fields = ("actor", "subject", "case", "penalty")


@admin.register(CodeOfConduct)
class CodeOfConductAdmin(SafeAdminMixin, admin.ModelAdmin):
    """A new version is added (the next number, through `services.conduct_publish`);
    a published version is never edited or deleted."""

    list_display = ("version", "title", "published_at")
    fields = ("title", "body")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = services.conduct_publish(title=obj.title, body=obj.body)
        obj.pk, obj.version, obj.published_at = created.pk, created.version, created.published_at
        obj._state.adding = False
