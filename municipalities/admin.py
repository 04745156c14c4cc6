from django.contrib import admin

from core.admin_safety import SafeAdminMixin

from .models import LocalGovernment, Prefecture


@admin.register(Prefecture)
class PrefectureAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("name", "code")


@admin.register(LocalGovernment)
class LocalGovernmentAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "name_kana", "prefecture", "kind", "is_defunct", "successor")
    list_filter = ("prefecture", "kind", "is_defunct")
    search_fields = ("name", "name_kana", "code")
    list_select_related = ("prefecture", "successor__prefecture")
    raw_id_fields = ("successor",)
    list_per_page = 100
