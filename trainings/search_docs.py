"""What trainings puts in the search index (registered in apps.py): trainings (title,
description, lecturers), not the weekly orientations. A member finds a training only
when it is open to them (trainings.selectors.eligibility_problem: their 課 or 職種);
staff find all."""

from __future__ import annotations

from django.db.models import Q

from search import index, registry
from search.registry import Doc
from sections.models import SectionMembership

from .models import Training

TRAINING = "training"


def _keys(training: Training) -> str:
    if training.audience == Training.Audience.JOB_TYPES:
        codes = training.audience_job_types or []
        return " " + " ".join(f"job:{code}" for code in codes) + " " if codes else "job:"
    if training.audience == Training.Audience.SECTIONS:
        return "sections"
    return ""


def build(ids: list[int]) -> dict[int, Doc]:
    trainings = (
        Training.objects.filter(pk__in=ids, is_orientation=False)
        .select_related("event")
        .prefetch_related("lecturers")
    )
    docs = {}
    for t in trainings:
        lecturers = "\n".join(f"{x.name} {x.affiliation}" for x in t.lecturers.all())
        docs[t.pk] = Doc(
            title=t.event.title,
            body=f"{t.event.description}\n{lecturers}",
            url=t.get_absolute_url(),
            date=t.event.starts_at,
            keys=_keys(t),
        )
    return docs


def visible_q(user) -> Q:
    """Open to everyone; to the member's 職種; or to one of the member's 課."""
    if user.is_staff:
        return Q()
    mine = SectionMembership.objects.filter(user=user).values("section_id")
    for_my_sections = Training.audience_sections.through.objects.filter(section_id__in=mine).values(
        "training_id"
    )
    q = Q(keys="") | (Q(keys="sections") & Q(object_id__in=for_my_sections))
    if user.job_type:
        q |= Q(keys__contains=f" job:{user.job_type} ")
    return q


def index_trainings(ids: list[int]) -> None:
    index.put(TRAINING, ids)


def register() -> None:
    registry.register_kind(
        registry.Kind(
            TRAINING,
            "庁内研修",
            build,
            lambda: Training.objects.filter(is_orientation=False).values_list("pk", flat=True),
            visible_q,
            order=60,
        )
    )
