"""What broadcasts puts in the search index (registered in apps.py): episodes (theme,
personalities, guests and their affiliations, description), visible to every member."""

from __future__ import annotations

from search import index, registry
from search.registry import Doc

from .models import Episode

EPISODE = "episode"


def build(ids: list[int]) -> dict[int, Doc]:
    episodes = (
        Episode.objects.filter(pk__in=ids).select_related("programme").prefetch_related("guests")
    )
    docs = {}
    for e in episodes:
        guests = "\n".join(f"{g.name} {g.affiliation}" for g in e.guests.all())
        docs[e.pk] = Doc(
            title=f"{e.programme.name}：{e.title}" if e.title else e.programme.name,
            body=f"{e.personalities}\n{guests}\n{e.description}",
            url=e.get_absolute_url(),
            date=e.starts_at,
        )
    return docs


def index_episodes(ids: list[int]) -> None:
    index.put(EPISODE, ids)


def register() -> None:
    registry.register_kind(
        registry.Kind(
            EPISODE,
            "庁内放送",
            build,
            lambda: Episode.objects.values_list("pk", flat=True),
            registry.every_member,
            order=70,
        )
    )
