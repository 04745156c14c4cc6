"""Where feature apps plug their searchable kinds into search (from AppConfig.ready()).

    from search import registry

    registry.register_kind(registry.Kind(
        name="topic", label="話題", build=build_topics, ids=all_topic_ids,
        visible=topic_visible_q, order=10,
    ))

- `build(ids)` returns `{id: Doc}` for the ids that should be in the index (an id
  missing from the answer is removed from it); a constant number of queries for any
  number of ids.
- `ids()` iterates every id that may be indexed (for `manage.py search_rebuild`).
- `visible(user)` returns a `Q` over `search.Document` for the rows of this kind that
  the member `user` may read right now (it may use subqueries on the app's own
  tables). Anonymous visitors see only rows marked `public`.

search imports no feature app: everything it knows of them comes through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q


@dataclass
class Doc:
    """What a feature app says about one thing for the index."""

    title: str
    body: str
    url: str
    date: datetime
    section_id: int | None = None
    parent_id: int | None = None
    public: bool = False
    restricted: bool = False
    hidden: bool = False
    owner_id: int | None = None
    keys: str = ""
    state: str = ""
    title_indexed: bool = True


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    build: Callable[[list[int]], dict[int, Doc]]
    ids: Callable[[], Iterable[int]]
    visible: Callable[[Any], Q]
    order: int = 100
    similar: bool = False  # offered as 似た質問 under a new question's title


def every_member(user) -> Q:
    """The rule of kinds every member may read (sections, meetings, episodes). Kinds
    that share a rule function are filtered together, in one condition."""
    return Q()


_kinds: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    _kinds[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.name))


def kind(name: str) -> Kind:
    """The registered kind; KeyError for an unknown name (a bug, never ignored)."""
    return _kinds[name]


def labels() -> dict[str, str]:
    return {k.name: k.label for k in kinds()}
