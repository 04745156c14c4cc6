"""Staff roles (事務局の役割): Django groups, and how each app gives them its permissions.

Three roles, created by data migrations (docs/architecture.md, "Staff roles"):

- 審査担当 (vetting): applications, members, trusted domains, affiliation history;
- 研修担当 (trainings): trainings and orientations, broadcasts, the events they use;
- 運営責任者 (operations): everything, including sections and the outbox.

The mapping lives with each app, in one data migration per app (and one more each time the
app adds a permission), written with `grant`:

    from core.staff_roles import ALL, TRAINING, VETTING, grant

    operations = [grant("trainings", {TRAINING: ALL})]

`grant` creates the three groups if they are missing, adds the named permissions of that
app to each role, and gives 運営責任者 every permission of the app. It creates the app's
permissions first (Django only creates them after `migrate`, in post_migrate), so it works on
a fresh database. A superuser needs no group; staff accounts get roles in the admin
(利用者 › 権限 › グループ). `tests/core/test_admin_permissions.py` checks that every custom
admin view and action is refused without its permission and allowed to the role that has it.

This module is used by migrations: keep `grant` backward compatible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import migrations

VETTING = "審査担当"
TRAINING = "研修担当"
OPERATIONS = "運営責任者"
ROLES = (VETTING, TRAINING, OPERATIONS)
ALL = "__all__"  # every permission of the app


def _ensure_permissions(apps, app_label: str, using: str) -> None:
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # Historical app configs have no models module, and create_permissions skips those.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    finally:
        app_config.models_module = previous


def grant(
    app_label: str,
    roles: Mapping[str, Iterable[str] | str],
    *,
    operations_all: bool = True,
) -> migrations.RunPython:
    """A migration operation: give each role the listed permission codenames of `app_label`
    (or ALL of them); 運営責任者 gets all of them unless `operations_all` is False."""
    wanted = {role: (ALL if codes == ALL else tuple(codes)) for role, codes in roles.items()}
    unknown_roles = set(wanted) - set(ROLES)
    if unknown_roles:
        raise ValueError(f"unknown staff roles: {sorted(unknown_roles)}")
    if operations_all:
        wanted[OPERATIONS] = ALL

    def _selected(apps, codes):
        permission = apps.get_model("auth", "Permission")
        of_app = permission.objects.filter(content_type__app_label=app_label)
        if codes == ALL:
            return list(of_app)
        found = list(of_app.filter(codename__in=codes))
        missing = set(codes) - {p.codename for p in found}
        if missing:
            raise LookupError(f"{app_label} has no permissions {sorted(missing)}")
        return found

    def forwards(apps, schema_editor):
        _ensure_permissions(apps, app_label, schema_editor.connection.alias)
        group = apps.get_model("auth", "Group")
        for name in ROLES:
            group.objects.get_or_create(name=name)
        for name, codes in wanted.items():
            group.objects.get(name=name).permissions.add(*_selected(apps, codes))

    def backwards(apps, schema_editor):
        group = apps.get_model("auth", "Group")
        for name, codes in wanted.items():
            role = group.objects.filter(name=name).first()
            if role is not None:
                role.permissions.remove(*_selected(apps, codes))

    return migrations.RunPython(forwards, backwards, elidable=False)
