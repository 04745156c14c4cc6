from django.contrib import admin

from core.admin_safety import SafeAdminMixin

from .models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "to_email",
        "subject",
        "template",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "template")
    search_fields = ("to_email", "subject")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
