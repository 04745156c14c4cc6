from django.contrib import admin, messages

from core.admin_safety import SafeAdminMixin

from . import services
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
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "template")
    search_fields = ("to_email", "subject")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows are the record of what was sent: never edited by hand

    def has_resend_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="選択した送信失敗メールを再送する", permissions=["resend"])
    def resend(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True))
        count = services.mails_resend(mail_ids=chosen)
        skipped = len(chosen) - count
        if count:
            self.message_user(request, f"{count} 通を再送の列に戻しました。", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} 通は送信失敗ではないため、再送しませんでした。",
                messages.WARNING,
            )
