"""Guards for the Django admin against tampered input (never a 500).

Four places in Django's admin still raise on hostile values, so every ModelAdmin of ours
mixes in `SafeAdminMixin` (tests/core/test_admin_safety.py checks it):

- the date hierarchy (`?created_at__year=99999999999999999999`): `datetime(int(year))`
  raises OverflowError, which Django does not turn into "incorrect lookup";
- the autocomplete widget re-renders a submitted value by looking it up
  (`local_government=abc` raised ValueError);
- the raw-id widget does the same and lets an integer overflow through;
- bulk actions look the posted ids up as they are (`_selected_action=abc` raised).

It also holds the permission rule of our admin (docs/architecture.md, "Staff roles"): every
bulk action declares the permissions it needs (`@admin.action(permissions=[...])`), and a
POST of an action the account may not run is a 403 (Django itself would answer the
changelist again, or "no action selected"). Custom admin views call `require()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError

BIGINT_MAX = 2**63 - 1

# Admin mixins see ModelAdmin's attributes when type-checked; at run time they are plain
# classes (the ModelAdmin comes later in the bases).
if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    AdminMixinBase = ModelAdmin[Any]
else:
    AdminMixinBase = object


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


def require(model_admin, request, *permissions: str, obj=None) -> None:
    """Refuse (403) unless `model_admin.has_<name>_permission(request)` holds for each name
    ("view", "change", or a custom one such as "approve")."""
    for name in permissions:
        check = getattr(model_admin, f"has_{name}_permission")
        allowed = check(request, obj) if name in {"view", "change", "delete"} else check(request)
        if not allowed:
            raise PermissionDenied


def action_permissions(model_admin, name: str) -> tuple[str, ...]:
    """The permissions a bulk action declares (its `allowed_permissions`)."""
    for func, action_name, _description in model_admin._get_base_actions():
        if action_name == name:
            return tuple(getattr(func, "allowed_permissions", ()))
    raise KeyError(name)


class SafeAdminMixin(AdminMixinBase):
    """Mix into a ModelAdmin: hostile lookups give "incorrect parameters" or a form error,
    and actions the account may not run are a 403."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_save" not in request.POST:
            known = {name for _func, name, _desc in self._get_base_actions()}  # type: ignore[attr-defined]  # private, not in the stubs
            allowed = self.get_actions(request)
            for name in request.POST.getlist("action"):
                if name in known and name not in allowed:
                    raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def run_action(self, request, name: str, queryset):
        """Run a bulk action from a custom view (a button on the change page), with the
        same permission check as the changelist."""
        require(self, request, *action_permissions(self, name))
        return getattr(self, name)(request, queryset)

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
