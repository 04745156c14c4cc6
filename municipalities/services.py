"""Writes to the local-government list, and forgetting the computed coverage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from . import coverage
from .codes import Row
from .models import LocalGovernment, Prefecture


def coverage_invalidate() -> None:
    """Membership changed: forget the computed coverage so that the next read recomputes.

    The one call other apps make after any change to who counts (approval, withdrawal,
    suspension, reinstatement, a change of affiliation and its verification), after the
    change commits: ``transaction.on_commit(coverage_invalidate)``. Even without it the
    cached numbers live at most ``COVERAGE_TTL`` (60) seconds; other web processes keep
    their copy for at most ``COVERAGE_LOCAL_SECONDS`` (2) more seconds. See
    `municipalities.coverage.forget`.
    """
    coverage.forget()


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    defunct: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        return (
            f"追加 {self.created} / 更新 {self.updated} / 変更なし {self.unchanged} / "
            f"廃止扱い {self.defunct} / 削除 {self.deleted}"
        )


def _is_referenced(lg: LocalGovernment) -> bool:
    """True when any row of any app points at this local government."""
    for rel in LocalGovernment._meta.related_objects:
        if rel.related_model is LocalGovernment:
            continue  # successor links are handled by the loader itself
        accessor = rel.related_model._base_manager.filter(**{rel.field.name: lg})  # type: ignore[union-attr]  # a model, never "self"
        if accessor.exists():
            return True
    return False


@transaction.atomic
def local_governments_load(*, rows: list[Row]) -> LoadResult:
    """Upsert a full list. Codes missing from the list are deleted when nothing refers to
    them, otherwise marked defunct and pointed at the row that lists them in `replaces`."""
    result = LoadResult()
    for row in rows:
        if row.kind == "prefecture":
            Prefecture.objects.update_or_create(
                code=row.prefecture_code, defaults={"name": row.prefecture}
            )
    existing = {lg.code: lg for lg in LocalGovernment.objects.select_for_update()}
    to_create = []
    fields = ("name", "name_kana", "kind", "lat", "lng")
    for row in rows:
        lg = existing.get(row.code)
        if lg is None:
            to_create.append(
                LocalGovernment(
                    code=row.code,
                    prefecture_id=row.prefecture_code,
                    **{f: getattr(row, f) for f in fields},
                )
            )
            continue
        changed = [f for f in fields if getattr(lg, f) != getattr(row, f)]
        if lg.is_defunct:
            lg.is_defunct, lg.successor = False, None
            changed += ["is_defunct", "successor"]
        if changed:
            for f in fields:
                setattr(lg, f, getattr(row, f))
            lg.save(update_fields=[*changed, "updated_at"])
            result.updated += 1
        else:
            result.unchanged += 1
    LocalGovernment.objects.bulk_create(to_create)
    result.created = len(to_create)

    listed = {row.code for row in rows}
    successor_of = {old: row.code for row in rows for old in row.replaces}
    by_code = {lg.code: lg for lg in LocalGovernment.objects.filter(code__in=successor_of.values())}
    for code, lg in existing.items():
        if code in listed:
            continue
        if _is_referenced(lg):
            successor = by_code.get(successor_of.get(code, ""))
            if not lg.is_defunct or lg.successor_id != (successor.pk if successor else None):
                lg.is_defunct, lg.successor = True, successor
                lg.save(update_fields=["is_defunct", "successor", "updated_at"])
                result.defunct += 1
        else:
            lg.predecessors.update(successor=None)
            lg.delete()
            result.deleted += 1
    transaction.on_commit(coverage.forget)  # the rows changed, not only the numbers
    return result
