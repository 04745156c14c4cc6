"""The index functions the services call, in their own transaction (never a signal).

    from search import index

    index.put("topic", [topic.pk])          # created or changed: (re)build its row
    index.remove("topic", [topic.pk])       # gone
    index.set_restricted(section_id=..., kinds=("topic", "post"), restricted=True)

`put` asks the kind's registered builder (`search.registry`) for the current state of
the things and writes only what changed; a thing the builder leaves out (deleted, not
searchable) loses its row. A constant number of queries for any number of ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import registry, text
from .models import Document

FIELDS = (
    "section_id",
    "parent_id",
    "public",
    "restricted",
    "hidden",
    "owner_id",
    "keys",
    "state",
    "date",
    "title",
    "title_indexed",
    "body",
    "url",
    "tokens",
)
BATCH = 500


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    seen: set[int] = field(default_factory=set, repr=False)

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed


def _row(kind: str, object_id: int, doc: registry.Doc) -> Document:
    title = text.display(doc.title)[:300]
    body = text.display(doc.body)[: text.TEXT_MAX]
    return Document(
        kind=kind,
        object_id=object_id,
        section_id=doc.section_id,
        parent_id=doc.parent_id,
        public=doc.public,
        restricted=doc.restricted,
        hidden=doc.hidden,
        owner_id=doc.owner_id,
        keys=doc.keys,
        state=doc.state,
        date=doc.date,
        title=title,
        title_indexed=doc.title_indexed,
        body=body,
        url=doc.url[:300],
        tokens=text.document_tokens(title if doc.title_indexed else "", body),
    )


@transaction.atomic
def put(kind: str, ids: Iterable[int]) -> Counts:
    """Bring the rows of these things up to date (create, update, or remove)."""
    spec = registry.kind(kind)
    ids = sorted({int(i) for i in ids})
    counts = Counts()
    for start in range(0, len(ids), BATCH):
        counts.add(_put_batch(kind, spec, ids[start : start + BATCH]))
    return counts


def _put_batch(kind: str, spec: registry.Kind, ids: list[int]) -> Counts:
    counts = Counts()
    built = spec.build(ids)
    existing = {d.object_id: d for d in Document.objects.filter(kind=kind, object_id__in=ids)}
    now = timezone.now()
    create, update = [], []
    for object_id in ids:
        doc = built.get(object_id)
        if doc is None:
            continue
        row = _row(kind, object_id, doc)
        old = existing.get(object_id)
        if old is None:
            row.indexed_at = now
            create.append(row)
        elif any(getattr(old, f) != getattr(row, f) for f in FIELDS):
            for f in FIELDS:
                setattr(old, f, getattr(row, f))
            old.indexed_at = now
            update.append(old)
        else:
            counts.unchanged += 1
    gone = [i for i in existing if i not in built]
    if gone:
        counts.removed = Document.objects.filter(kind=kind, object_id__in=gone).delete()[0]
    if create:
        Document.objects.bulk_create(create, batch_size=BATCH)
    if update:
        Document.objects.bulk_update(update, [*FIELDS, "indexed_at"], batch_size=100)
    counts.created, counts.updated = len(create), len(update)
    return counts


def remove(kind: str, ids: Iterable[int]) -> int:
    registry.kind(kind)
    return Document.objects.filter(kind=kind, object_id__in=list(ids)).delete()[0]


def remove_children(kind: str, parent_id: int) -> int:
    """Remove every row of `kind` whose parent is `parent_id` (a deleted topic's replies)."""
    registry.kind(kind)
    return Document.objects.filter(kind=kind, parent_id=parent_id).delete()[0]


def children(kind: str, parent_id: int) -> list[int]:
    """The indexed ids of `kind` under `parent_id`."""
    return list(
        Document.objects.filter(kind=kind, parent_id=parent_id).values_list("object_id", flat=True)
    )


def set_restricted(
    *, section_id: int, kinds: Iterable[str], restricted: bool, private_only: bool = False
) -> int:
    """A section's reading setting changed: one UPDATE for all its rows of `kinds`
    (`private_only`: leave rows readable by the public as they are)."""
    rows = Document.objects.filter(section_id=section_id, kind__in=list(kinds))
    if private_only:
        rows = rows.filter(public=False)
    return rows.update(restricted=restricted)


def rebuild(
    kind: str, *, progress: Callable[[int, int], None] | None = None, batch: int = BATCH
) -> Counts:
    """Rebuild every row of one kind from its source (idempotent: a second run changes
    nothing). Rows whose thing no longer exists are removed."""
    spec = registry.kind(kind)
    ids = sorted({int(i) for i in spec.ids()})
    total = len(ids)
    counts = Counts()
    for start in range(0, total, batch):
        with transaction.atomic():
            counts.add(_put_batch(kind, spec, ids[start : start + batch]))
        if progress:
            progress(min(start + batch, total), total)
    if progress and not total:
        progress(0, 0)
    wanted = set(ids)
    stale = [
        i
        for i in Document.objects.filter(kind=kind).values_list("object_id", flat=True)
        if i not in wanted
    ]
    for start in range(0, len(stale), batch):
        counts.removed += Document.objects.filter(
            kind=kind, object_id__in=stale[start : start + batch]
        ).delete()[0]
    return counts


def forget_unknown_kinds() -> int:
    """Rows of a kind no app registers any more."""
    names = [k.name for k in registry.kinds()]
    return Document.objects.exclude(kind__in=names).delete()[0]


def personal_data_erase(*, user, emails: list[str]) -> None:
    """search's part of withdrawal (run after every app's own eraser): rows whose text
    still holds the member's name or addresses are rebuilt from their (now scrubbed)
    sources. Rows never hold authors' names themselves."""
    name = (getattr(user, "full_name", "") or "").strip()
    needles = [
        name,
        "".join(name.split()),
        (getattr(user, "full_name_kana", "") or "").strip(),
        *emails,
    ]
    needles = [text.display(n) for n in needles if n and len(n) >= 2]
    if not needles:
        return
    query = Q()
    for needle in needles:
        query |= Q(title__contains=needle) | Q(body__contains=needle)
    by_kind: dict[str, list[int]] = {}
    for kind, object_id in Document.objects.filter(query).values_list("kind", "object_id"):
        by_kind.setdefault(kind, []).append(object_id)
    known = {k.name for k in registry.kinds()}
    for kind, ids in by_kind.items():
        if kind in known:
            put(kind, ids)
        else:
            Document.objects.filter(kind=kind, object_id__in=ids).delete()


def demo_seed(stdout) -> None:
    """`seed_demo`: bring the whole index up to date (idempotent)."""
    total = Counts()
    for spec in registry.kinds():
        total.add(rebuild(spec.name))
    stdout.write(
        f"search: 索引 追加 {total.created} 更新 {total.updated} 変更なし {total.unchanged}"
    )
