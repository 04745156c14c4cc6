"""Staff review in the Django admin: the application queue, members, trusted domains.

Every transition checks its permission (core/staff_roles.py): 承認・不承認・差し戻し need
`accounts.approve_application`, 利用停止・解除 `accounts.suspend_member`, 所属変更の確認
`accounts.verify_affiliation`; the buttons show only to staff who hold them."""

from __future__ import annotations

import threading

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.apps import apps as django_apps
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_safety import AdminMixinBase, SafeAdminMixin, action_permissions, require

from . import services
from .models import (
    AffiliationRecord,
    Application,
    StaffAuthenticator,
    StatusChange,
    TrustedDomain,
    User,
)

S = User.Status
APPLICATION_STATES = [S.UNVERIFIED, S.DRAFT, S.SUBMITTED, S.NEEDS_INFO, S.REJECTED]


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label="理由", choices=services.REJECT_REASONS)
    message = forms.CharField(
        label="申請者へのメッセージ（任意）", required=False, widget=forms.Textarea
    )


class RequestInfoForm(forms.Form):
    message = forms.CharField(
        label="申請者への確認事項",
        widget=forms.Textarea,
        help_text="この文面が申請者へのメールと申請状況ページに表示されます。",
    )


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label="理由", choices=services.SUSPEND_REASONS)
    message = forms.CharField(
        label="本人へのメッセージ（任意）", required=False, widget=forms.Textarea
    )


class ConfirmForm(forms.Form):
    pass


def _trusted_domains(request):
    if not hasattr(request, "_trusted_domains"):
        request._trusted_domains = list(
            TrustedDomain.objects.select_related("local_government__prefecture")
        )
    return request._trusted_domains


def _domain_q() -> Q:
    q = Q(pk__in=[])
    for domain in TrustedDomain.objects.values_list("domain", flat=True):
        q |= Q(email__iendswith="@" + domain) | Q(email__iendswith="." + domain)
    return q


class QueueStatusFilter(admin.SimpleListFilter):
    """Defaults to the queue (審査中); other states on request."""

    title = "状態"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in APPLICATION_STATES] + [("all", "すべて")]

    def choices(self, changelist):
        value = self.value() or S.SUBMITTED.value
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or S.SUBMITTED.value
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class PrefectureFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "都道府県"


class DomainMatchFilter(admin.SimpleListFilter):
    title = "ドメイン"
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        return [("trusted", "信頼済みドメイン"), ("other", "それ以外")]

    def queryset(self, request, queryset):
        if self.value() == "trusted":
            return queryset.filter(_domain_q())
        if self.value() == "other":
            return queryset.exclude(_domain_q())
        return queryset


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason", "message")
    readonly_fields = fields
    verbose_name_plural = "審査・状態の履歴"

    def has_add_permission(self, request, obj=None):
        return False


class AffiliationInline(admin.TabularInline):
    model = AffiliationRecord
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = (
        "started_on", "ended_on", "affiliation_type", "local_government", "ministry",
        "other_body", "department", "position", "verified_at", "verified_by",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


ANSWER_FIELDS = (
    "email", "status", "status_message", "full_name", "full_name_kana", "affiliation_type",
    "local_government", "ministry", "other_body", "department", "position", "job_type",
    "work_email", "introduction", "rules_agreed_at", "date_joined", "submitted_at",
    "approved_at", "affiliation_review_pending",
)  # fmt: skip


class TransitionAdminMixin(AdminMixinBase):
    """Per-row and bulk transitions that call the vetting services, with a form page for
    the ones that need a reason or a message."""

    transition_template = "admin/accounts/transition_form.html"
    single_actions: tuple[str, ...]  # set by each admin

    # Accounts are created by sign-up and never deleted (withdrawal anonymises them).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="所属")
    def affiliation(self, obj):
        return obj.affiliation_display

    direct_actions = {"approve", "reinstate", "verify"}  # no form: POST applies at once

    def _run(self, request, users, label, call) -> None:
        done, failed = 0, []
        for user in users:
            try:
                call(user)
                done += 1
            except services.TransitionError as exc:
                failed.append(str(exc))
        if done:
            self.message_user(request, f"{done} 件を「{label}」にしました。", messages.SUCCESS)
        for text in failed:
            self.message_user(request, text, messages.WARNING)

    def _form_step(self, request, queryset, *, form_class, title, label, call, action):
        """Show the reason/message form for the selected rows, then apply it."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                self._run(request, queryset, label, lambda u: call(u, form.cleaned_data))
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.transition_template, context)

    def after_transition_url(self, request, obj) -> str:
        """Where a transition made on one object's page lands: that page again."""
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _single(self, request, object_id, action_name):
        # The permission first: a refusal says nothing about whether the object exists.
        require(self, request, *action_permissions(self, f"action_{action_name}"))
        # get_object answers None for a tampered id ("abc", NUL, an overflowing integer).
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("対象が見つかりません。")
        queryset = self.get_queryset(request).filter(pk=obj.pk)
        if action_name in self.direct_actions:
            if request.method != "POST":  # GET changes nothing
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[obj.pk],
                    )
                )
            getattr(self, f"action_{action_name}")(request, queryset)
            return HttpResponseRedirect(self.after_transition_url(request, obj))
        response = getattr(self, f"action_{action_name}")(request, queryset)
        if response is None:
            return HttpResponseRedirect(self.after_transition_url(request, obj))
        response.context_data["single"] = True
        return response

    def transition_permissions(self, request) -> dict[str, bool]:
        """For the change page's buttons: {"can_approve": True, ...}."""
        return {
            f"can_{name}": all(
                getattr(self, f"has_{p}_permission")(request)
                for p in action_permissions(self, f"action_{name}")
            )
            for name in self.single_actions
        }

    def get_urls(self):
        urls = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(
                    lambda request, object_id, name=name: self._single(request, object_id, name)
                ),
                name=f"{self.opts.app_label}_{self.opts.model_name}_{name}",
            )
            for name in self.single_actions
        ]
        return urls + super().get_urls()


@admin.register(Application)
class ApplicationAdmin(SafeAdminMixin, TransitionAdminMixin, admin.ModelAdmin):
    # Six columns that fit 1280 px beside the filters (the e-mail carries the domain
    # match under it; the date is short): tests/e2e/test_admin_queue.py.
    list_display = (
        "full_name", "email_and_domain", "affiliation", "waited", "status", "submitted",
    )  # fmt: skip
    list_filter = (
        QueueStatusFilter,
        ("local_government__prefecture", PrefectureFilter),
        "affiliation_type",
        DomainMatchFilter,
    )
    search_fields = (
        "full_name", "full_name_kana", "email", "work_email",
        "local_government__name", "local_government__name_kana", "ministry", "other_body",
    )  # fmt: skip
    ordering = ("submitted_at", "date_joined")
    list_select_related = ("local_government__prefecture",)
    readonly_fields = (*ANSWER_FIELDS, "trust_signal")
    fields = ("trust_signal", *ANSWER_FIELDS)
    inlines = (StatusChangeInline, AffiliationInline)
    actions = ("action_approve", "action_reject", "action_request_info")
    single_actions = ("approve", "reject", "request_info")
    change_form_template = "admin/accounts/application_change_form.html"
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=APPLICATION_STATES)

    def has_approve_permission(self, request, obj=None):
        return request.user.has_perm("accounts.approve_application")

    def after_transition_url(self, request, obj) -> str:
        """Back to the queue (with its filters): an approved account has left it, so its
        page would answer "not found"."""
        url = reverse("admin:accounts_application_changelist")
        context: dict = {
            "preserved_filters": self.get_preserved_filters(request),
            "opts": self.opts,
        }
        return add_preserved_filters(context, url)

    @admin.display(description="待ち時間", ordering="submitted_at")
    def waited(self, obj):
        if obj.status != S.SUBMITTED or not obj.submitted_at:
            return "—"
        hours = int((timezone.now() - obj.submitted_at).total_seconds() // 3600)
        text = f"{hours // 24}日{hours % 24}時間" if hours >= 24 else f"{hours}時間"
        if hours >= services.settings.VETTING_OVERDUE_HOURS:
            return format_html('<strong style="color:#c00">{}（超過）</strong>', text)
        return text

    @admin.display(description="申請日時", ordering="submitted_at")
    def submitted(self, obj):
        if not obj.submitted_at:
            return "—"
        return timezone.localtime(obj.submitted_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="メールアドレス・ドメイン照合", ordering="email")
    def email_and_domain(self, obj):
        return format_html(
            '{}<br><span class="domain-match">{}</span>', obj.email, self.domain_match(obj)
        )

    @admin.display(description="ドメイン照合")
    def domain_match(self, obj):
        match = services.trusted_domain_for(obj.email, _trusted_domains(self._local.request))
        if match is None:
            return "—"
        if match.local_government_id:
            return format_html("✔ {}（{}）", match.domain, match.local_government)
        return format_html("✔ {}", match.domain)

    @admin.display(description="信頼シグナル")
    def trust_signal(self, obj):
        return self.domain_match(obj)

    # The admin instance is shared between threads; the request (for the per-request cache
    # of trusted domains used by the list column) is kept per thread.
    _local = threading.local()

    def changelist_view(self, request, extra_context=None):
        self._local.request = request
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._local.request = request
        extra_context = {**(extra_context or {}), **self.transition_permissions(request)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description="選んだ申請を承認（入庁）する", permissions=["approve"])
    def action_approve(self, request, queryset):
        self._run(
            request,
            queryset,
            "入庁",
            lambda u: services.application_approve(user_id=u.pk, actor=request.user),
        )

    @admin.action(description="選んだ申請を不承認にする…", permissions=["approve"])
    def action_reject(self, request, queryset):
        return self._form_step(
            request,
            queryset,
            form_class=RejectForm,
            title="申請を不承認にする",
            label="不承認",
            action="action_reject",
            call=lambda u, d: services.application_reject(
                user_id=u.pk, actor=request.user, reason=d["reason"], message=d["message"]
            ),
        )

    @admin.action(description="選んだ申請に確認事項を送る（差し戻し）…", permissions=["approve"])
    def action_request_info(self, request, queryset):
        return self._form_step(
            request,
            queryset,
            form_class=RequestInfoForm,
            title="申請者に確認事項を送る（差し戻し）",
            label="差し戻し",
            action="action_request_info",
            call=lambda u, d: services.application_request_info(
                user_id=u.pk, actor=request.user, message=d["message"]
            ),
        )


@admin.register(User)
class MemberAdmin(SafeAdminMixin, TransitionAdminMixin, admin.ModelAdmin):
    list_display = (
        "full_name", "email", "affiliation", "status", "is_staff", "affiliation_review_pending",
        "approved_at",
    )  # fmt: skip
    list_filter = (
        "status",
        "is_staff",
        "affiliation_review_pending",
        "affiliation_type",
        ("local_government__prefecture", PrefectureFilter),
        "job_type",
    )
    search_fields = (
        "full_name", "full_name_kana", "email", "local_government__name",
        "local_government__name_kana", "department",
    )  # fmt: skip
    list_select_related = ("local_government__prefecture",)
    readonly_fields = ANSWER_FIELDS
    fieldsets = (
        (None, {"fields": ANSWER_FIELDS}),
        ("権限", {"fields": ("is_staff", "is_superuser", "groups")}),
    )
    filter_horizontal = ("groups",)
    inlines = (StatusChangeInline, AffiliationInline)
    actions = ("action_suspend", "action_reinstate", "action_verify")
    single_actions = ("suspend", "reinstate", "verify")
    change_form_template = "admin/accounts/member_change_form.html"

    def has_suspend_permission(self, request, obj=None):
        return request.user.has_perm("accounts.suspend_member")

    def has_verify_permission(self, request, obj=None):
        return request.user.has_perm("accounts.verify_affiliation")

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes a superuser's account (its groups, its staff flag).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Roles are groups; the superuser flag is above every role: superusers only.
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, "is_superuser")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self.transition_permissions(request)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description="選んだ会員を利用停止にする…", permissions=["suspend"])
    def action_suspend(self, request, queryset):
        return self._form_step(
            request,
            queryset,
            form_class=SuspendForm,
            title="会員を利用停止にする",
            label="利用停止",
            action="action_suspend",
            call=lambda u, d: services.member_suspend(
                user_id=u.pk, actor=request.user, reason=d["reason"], message=d["message"]
            ),
        )

    @admin.action(description="選んだ会員の利用停止を解除する", permissions=["suspend"])
    def action_reinstate(self, request, queryset):
        self._run(
            request,
            queryset,
            "入庁（再開）",
            lambda u: services.member_reinstate(user_id=u.pk, actor=request.user),
        )

    @admin.action(description="選んだ会員の所属変更を確認済みにする", permissions=["verify"])
    def action_verify(self, request, queryset):
        self._run(
            request,
            queryset,
            "所属確認済み",
            lambda u: services.affiliation_verify(user_id=u.pk, actor=request.user),
        )


@admin.register(TrustedDomain)
class TrustedDomainAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("domain", "local_government", "note")
    search_fields = ("domain", "local_government__name", "note")
    autocomplete_fields = ("local_government",)


# --- Django's and allauth's models, in Japanese and with our permission rule -------------

PERMISSION_VERBS = {"view": "閲覧", "add": "追加", "change": "変更", "delete": "削除"}


def permission_label(permission: Permission) -> str:
    """「利用者・入庁審査 | 入庁申請 | 閲覧」 for Django's English "Can view 入庁申請"; our own
    permissions already have Japanese names."""
    content_type = permission.content_type
    model = content_type.model_class()
    try:
        app = django_apps.get_app_config(content_type.app_label).verbose_name
    except LookupError:
        app = content_type.app_label
    name = model._meta.verbose_name if model else content_type.model
    verb, _, rest = permission.codename.partition("_")
    if model and verb in PERMISSION_VERBS and rest == model._meta.model_name:
        return f"{app} | {name} | {PERMISSION_VERBS[verb]}"
    return f"{app} | {name} | {permission.name}"


admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(SafeAdminMixin, GroupAdmin):
    """The staff roles (core/staff_roles.py): Django's group admin, with the permissions
    named in Japanese."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            # allauth's own authenticator permissions guard nothing: the admin shows the
            # proxy (二要素認証の登録), which has its own.
            kwargs["queryset"] = Permission.objects.exclude(content_type__app_label="mfa")
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "permissions" and field is not None:
            field.label_from_instance = permission_label  # type: ignore[assignment]  # Django's documented hook
        return field


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class StaffEmailAddressAdmin(SafeAdminMixin, EmailAddressAdmin):
    """allauth's admin, whose "mark as verified" action declared no permission (a staff
    account allowed only to look could run it)."""

    actions = ["make_verified"]

    @admin.action(description="選んだメールアドレスを確認済みにする", permissions=["change"])
    def make_verified(self, request, queryset):
        return super().make_verified(request, queryset)


admin.site.unregister(Authenticator)


@admin.register(StaffAuthenticator)
class StaffAuthenticatorAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Staff's second factors (TOTP, recovery codes). Read-only: the secret (`data`) is
    never shown; deleting one resets a staff member's second factor (they set it up again
    at the next admin login)."""

    list_display = ("owner", "kind", "created", "last_used")
    list_filter = ("type",)
    list_select_related = ("user",)
    search_fields = ("user__email", "user__full_name")
    fields = ("owner", "kind", "created", "last_used")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="利用者", ordering="user__email")
    def owner(self, obj):
        return f"{obj.user}（{obj.user.email}）"

    @admin.display(description="種類", ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description="登録日時", ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description="最終利用日時", ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at
