"""Guards for the Django admin against tampered input (never a 500).

Four places in Django's admin still raise on hostile values, so every ModelAdmin of ours
mixes in `SafeAdminMixin` (tests/core/test_admin_safety.py checks it):

- the date hierarchy (`?created_at__year=99999999999999999999`): `datetime(int(year))`
  raises OverflowError, which Django does not turn into "incorrect lookup";
- the autocomplete widget re-renders a submitted value by looking it up
  (`local_government=abc` raised ValueError);
- the raw-id widget does the same and lets an integer overflow through;
- bulk actions look the posted ids up as they are (`_selected_action=abc` raised).
"""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError

BIGINT_MAX = 2**63 - 1


def lookup_value_ok(field, value) -> bool:
    """Whether `value` can be looked up in `field` without the database raising."""
    try:
        python = field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    if isinstance(python, int) and not -BIGINT_MAX - 1 <= python <= BIGINT_MAX:
        return False
    return not (isinstance(python, str) and "\x00" in python)


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:  # a date-hierarchy year too large for datetime
            raise IncorrectLookupParameters(exc) from exc


class SafeAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [v for v in value if lookup_value_ok(target, v)], attr)


class SafeForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    def label_and_url_for_value(self, value):
        if not lookup_value_ok(self.rel.get_related_field(), value):
            return "", ""
        return super().label_and_url_for_value(value)


class SafeAdminMixin:
    """Mix into a ModelAdmin: hostile lookups give "incorrect parameters" or a form error."""

    def response_action(self, request, queryset):
        # Bulk actions filter pk__in the posted ids: "abc" raised ValueError. Drop ids
        # that are not ids of this model (none left: Django's "no items selected").
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        valid = [v for v in selected if lookup_value_ok(self.model._meta.pk, v)]
        if valid != selected:
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, valid)
            request.POST = post
        return super().response_action(request, queryset)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        db = kwargs.get("using")
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=db)
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = SafeForeignKeyRawIdWidget(
                    db_field.remote_field, self.admin_site, using=db
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
