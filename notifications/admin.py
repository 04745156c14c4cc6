from django.contrib import admin

from core.admin_safety import SafeAdminMixin

from . import services
from .models import Announcement


@admin.register(Announcement)
class AnnouncementAdmin(SafeAdminMixin, admin.ModelAdmin):
    """Staff write an お知らせ here; saving a new one delivers it to every member's inbox
    (notifications.services.announcement_publish). A published one is not edited."""

    list_display = ("title", "published_at", "created_by")
    fields = ("title", "body")
    search_fields = ("title",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        published = services.announcement_publish(
            actor=request.user, title=obj.title, body=obj.body
        )
        obj.pk = published.pk
        obj.published_at = published.published_at
