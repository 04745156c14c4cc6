from django import forms
from django.contrib import admin, messages
from django.db import models

from core.admin_safety import SafeAdminMixin

from . import services
from .models import CalendarFeed, Event, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = (
        "user", "status", "waitlist_seq", "waitlisted_at", "confirmed_at", "first_clicked_at",
        "attended",
    )  # fmt: skip
    readonly_fields = (
        "user", "status", "waitlist_seq", "waitlisted_at", "confirmed_at", "first_clicked_at",
    )  # fmt: skip
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "format", "capacity", "status", "sequence")
    list_filter = ("kind", "status", "format")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    readonly_fields = ("status", "sequence", "uid", "created_at", "updated_at")
    inlines = [RegistrationInline]
    actions = ["cancel_events"]
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"},
    }

    def has_add_permission(self, request):
        return False  # events are created as a section meeting or a training

    def save_model(self, request, obj, form, change):
        """Changes go through the service: SEQUENCE, notifications and promotion apply.
        Changing only the join URL sends nothing (personal links serve the new URL)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        fields = {k: v for k, v in fields.items() if k in services.EDITABLE}
        try:
            services.event_update(event_id=obj.pk, **fields)
        except services.RegistrationError as exc:
            messages.error(request, exc.message)
        obj.refresh_from_db()

    @admin.action(description="選択したイベントを中止する（参加者に通知）")
    def cancel_events(self, request, queryset):
        for event in queryset:
            services.event_cancel(event_id=event.pk)


@admin.register(Registration)
class RegistrationAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("event", "user", "status", "waitlisted_at", "first_clicked_at", "attended")
    list_filter = ("status", "event__kind")
    search_fields = ("user__email", "user__full_name", "event__title")
    raw_id_fields = ("event", "user")
    # Status changes go through the services (waitlist order, seats, mails): read-only here.
    readonly_fields = (
        "event", "user", "status", "token", "waitlist_seq", "waitlisted_at", "confirmed_at",
        "created_at",
        "updated_at", "first_clicked_at", "answers",
    )  # fmt: skip
    list_select_related = ("event", "user")

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)
    readonly_fields = ("token",)
