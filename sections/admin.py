"""Staff can do everything a head can, here. Membership and meeting changes made in the
admin go through the services where a rule applies (headship, cancellation)."""

from django.contrib import admin, messages
from django.db import models

from core.admin_safety import SafeAdminMixin
from core.errors import ServiceError

from . import search_docs, services
from .models import (
    Department,
    Invitation,
    JoinRequest,
    Meeting,
    MeetingSeries,
    Section,
    SectionMembership,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ("name", "slug", "type", "join_policy", "status", "order")
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SectionInline]


class MemberColumns:
    """Name, local government and department of a membership's member: two members may
    share a name, so the list shows where each works."""

    @admin.display(description="氏名", ordering="user__full_name")
    def member_name(self, obj):
        return obj.user.full_name or obj.user.email

    @admin.display(description="所属自治体・機関")
    def member_affiliation(self, obj):
        return obj.user.affiliation_display or "—"

    @admin.display(description="部署", ordering="user__department")
    def member_department(self, obj):
        return obj.user.department or "—"


class MembershipInline(MemberColumns, admin.TabularInline):
    """Read-only here: role changes and removals go through the services (the actions on
    課のメンバー), so the last-head rule and meeting seats are kept right."""

    model = SectionMembership
    extra = 0
    fields = ("member_name", "member_affiliation", "member_department", "role", "joined_at")
    readonly_fields = fields
    can_delete = False
    verbose_name = "メンバー"
    verbose_name_plural = "メンバー一覧"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user__local_government__prefecture")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Section)
class SectionAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("name", "department", "type", "join_policy", "status")
    list_filter = ("department", "type", "join_policy", "status")
    search_fields = ("name", "slug", "description")
    list_select_related = ("department",)
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search_docs.index_sections([obj.pk])  # search (same transaction as the admin save)


@admin.register(SectionMembership)
class SectionMembershipAdmin(MemberColumns, SafeAdminMixin, admin.ModelAdmin):
    list_display = (
        "section", "member_name", "member_affiliation", "member_department", "role", "joined_at",
    )  # fmt: skip
    list_display_links = ("section", "member_name")
    list_filter = ("role", "section__department")
    search_fields = ("section__name", "user__email", "user__full_name", "user__department")
    list_select_related = ("section", "user__local_government__prefecture")
    readonly_fields = (
        "section", "member_name", "member_affiliation", "member_department", "role", "joined_at",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["make_head", "make_deputy", "make_member", "remove"]

    def has_add_permission(self, request):
        return False  # members join through the section page or an accepted request

    def has_delete_permission(self, request, obj=None):
        return False  # use the "remove" action (it gives back meeting seats)

    def _each(self, request, queryset, call) -> None:
        done = 0
        for membership in queryset.select_related("section", "user"):
            try:
                call(membership)
                done += 1
            except ServiceError as exc:
                messages.error(request, f"{membership}: {exc.message}")
        if done:
            messages.success(request, f"{done} 件を更新しました。")

    def _set_role(self, request, queryset, role):
        self._each(
            request,
            queryset,
            lambda m: services.member_set_role(
                section_id=m.section_id, actor=request.user, user_id=m.user_id, role=role
            ),
        )

    @admin.action(description="選択したメンバーを課長補佐にする", permissions=["change"])
    def make_deputy(self, request, queryset):
        self._set_role(request, queryset, SectionMembership.Role.DEPUTY)

    @admin.action(description="選択したメンバーを課員にする", permissions=["change"])
    def make_member(self, request, queryset):
        self._set_role(request, queryset, SectionMembership.Role.MEMBER)

    @admin.action(description="選択したメンバーを課から外す", permissions=["change"])
    def remove(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.member_remove(
                section_id=m.section_id, actor=request.user, user_id=m.user_id
            ),
        )

    @admin.action(description="選択したメンバーを課長にする（課長交代）", permissions=["change"])
    def make_head(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.headship_hand_over(
                section_id=m.section_id, actor=request.user, to_user_id=m.user_id
            ),
        )


@admin.register(JoinRequest)
class JoinRequestAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("section", "user", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("section__name", "user__email", "user__full_name")
    raw_id_fields = ("section", "user", "decided_by")
    list_select_related = ("section", "user")
    actions = ["accept", "decline"]

    def _decide(self, request, queryset, accept: bool):
        for join_request in queryset.filter(status=JoinRequest.Status.PENDING):
            services.join_request_decide(
                request_id=join_request.pk, actor=request.user, accept=accept
            )

    @admin.action(description="承認する（本人にメール）", permissions=["change"])
    def accept(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="見送る（本人にメール）", permissions=["change"])
    def decline(self, request, queryset):
        self._decide(request, queryset, False)


@admin.register(Invitation)
class InvitationAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("section", "user", "status", "invited_by", "created_at")
    raw_id_fields = ("section", "user", "invited_by")


@admin.register(Meeting)
class MeetingAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Time, place, capacity and join URL are edited on the event (イベント) page, through
    the service, so notifications and SEQUENCE are right."""

    list_display = ("__str__", "section", "audience", "starts")
    list_filter = ("audience", "section__department")
    search_fields = ("event__title", "section__name")
    raw_id_fields = ("section", "event", "created_by")
    # A series' meetings are made and moved by the series services (sections pages).
    readonly_fields = ("series", "original_date", "has_own_changes")
    list_select_related = ("section", "event")
    actions = ["cancel"]

    @admin.display(description="開始", ordering="event__starts_at")
    def starts(self, obj):
        return obj.event.starts_at

    @admin.action(description="中止する（参加者に通知）", permissions=["change"])
    def cancel(self, request, queryset):
        for meeting in queryset:
            try:
                services.meeting_cancel(meeting_id=meeting.pk, actor=request.user)
            except ServiceError as exc:  # e.g. a series meeting that has started
                messages.error(request, f"{meeting}: {exc.message}")


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Read-only: series are created and changed on the section pages (by heads, deputies
    and staff), through the series services, so meetings and mails stay right."""

    list_display = ("title", "section", "repeat", "weekdays", "starts_on", "ends_on", "count")
    list_filter = ("repeat", "section__department")
    search_fields = ("title", "section__name")
    list_select_related = ("section",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
