from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_safety import SafeAdminMixin, require

from . import search_docs, services
from .forms import EpisodeAdminForm, GenerateEpisodesForm, ProgrammeAdminForm
from .models import Episode, EpisodeStatus, Follow, Guest, Programme


@admin.register(Programme)
class ProgrammeAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = (
        "name",
        "weekdays_display",
        "default_start_time",
        "personalities",
        "episode_count",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "personalities", "description")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["generate_episodes"]
    readonly_fields = ("generate_link",)

    def has_generate_permission(self, request, obj=None):
        """Generating episodes creates them: `broadcasts.add_episode`."""
        return request.user.has_perm("broadcasts.add_episode")

    @admin.display(description="放送回の生成")
    def generate_link(self, obj):
        if not obj.pk:
            return "保存すると、期間を指定して放送回を生成できます。"
        url = reverse("admin:broadcasts_programme_generate", args=[obj.pk])
        return format_html('<a href="{}">期間を指定して放送回を生成する</a>', url)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_episodes=Count("episodes"))

    @admin.display(description="放送曜日")
    def weekdays_display(self, obj):
        return obj.weekdays_display or "—"

    @admin.display(description="放送回", ordering="n_episodes")
    def episode_count(self, obj):
        return obj.n_episodes

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/generate/",
                self.admin_site.admin_view(self.generate_view),
                name="broadcasts_programme_generate",
            )
        ]
        return urls + super().get_urls()

    @admin.action(
        description="選んだ番組の放送回を期間を指定して生成する", permissions=["generate"]
    )
    def generate_episodes(self, request, queryset):
        return self._generate(request, list(queryset))

    def generate_view(self, request, pk):
        require(self, request, "generate")
        programme = self.get_object(request, str(pk))
        if programme is None:
            raise Http404("番組が見つかりません。")
        return self._generate(request, [programme])

    def _generate(self, request, programmes):
        """An intermediate page: pick a date range, then create the missing episodes."""
        form = GenerateEpisodesForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            total = 0
            try:
                for programme in programmes:
                    total += services.episodes_generate(programme=programme, start=start, end=end)
            except services.BroadcastError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f"{start:%Y-%m-%d}〜{end:%Y-%m-%d} の放送回を {total} 件作成しました"
                    "（既にある日はそのままです）。",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:broadcasts_episode_changelist"))
        return TemplateResponse(
            request,
            "broadcasts/admin/generate_episodes.html",
            {
                **self.admin_site.each_context(request),
                "title": "放送回の生成",
                "opts": self.model._meta,
                "programmes": programmes,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class GuestInline(admin.TabularInline):
    model = Guest
    extra = 1


class StatusFilter(admin.SimpleListFilter):
    title = "状態"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return EpisodeStatus.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value in EpisodeStatus.values:
            return queryset.with_status(value, timezone.now())
        return queryset


@admin.register(Episode)
class EpisodeAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = EpisodeAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [GuestInline]
    list_display = ("starts_at", "programme", "title", "status_display", "archive_url")
    list_display_links = ("starts_at", "title")
    list_editable = ("archive_url",)
    list_filter = (StatusFilter, "programme")
    list_select_related = ("programme",)
    search_fields = (
        "title",
        "personalities",
        "description",
        "guests__name",
        "guests__affiliation",
        "programme__name",
    )
    date_hierarchy = "air_date"
    ordering = ("-starts_at",)
    autocomplete_fields = ("programme",)
    fieldsets = (
        (None, {"fields": ("programme", "starts_at", "duration", "title")}),
        ("出演と内容", {"fields": ("personalities", "description")}),
        ("配信", {"fields": ("live_url", "archive_url")}),
    )

    @admin.display(description="状態")
    def status_display(self, obj):
        return obj.status.label

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search_docs.index_episodes([form.instance.pk])  # search: theme, personalities, guests


@admin.register(Follow)
class FollowAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("user", "programme", "mode", "remind_minutes_before", "digest_time")
    list_filter = ("mode", "programme")
    list_select_related = ("user", "programme")
    search_fields = ("user__email", "user__full_name", "programme__name")
    raw_id_fields = ("user",)
