from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import applicant, member
from events.selectors import rsvp_panel, rsvp_panels
from events.services import RegistrationError

from . import selectors, services
from .forms import ApplyForm
from .models import Material, Training

OUTCOME_MESSAGES = {
    "going": (
        "申込が確定しました。確認メール（参加用リンクとカレンダー用ファイル付き）を送りました。"
    ),
    "waitlisted": (
        "定員に達しているため、キャンセル待ちで受け付けました。"
        "繰り上がったらメールでお知らせします。"
    ),
    "unchanged": "すでに申し込んでいます。",
    "cancelled": "申込を取り消しました。",
}


@member
@require_GET
@vary_on_headers("HX-Request")
def training_list(request):
    tab = "past" if request.GET.get("tab") == "past" else "upcoming"
    trainings: QuerySet | list = selectors.trainings_for_list(upcoming=tab == "upcoming")
    not_for_you: list = []
    if tab == "upcoming":
        # Upcoming trainings are few: split them by who may apply (already applied stay).
        trainings = list(trainings)
        mine = selectors.my_registrations(user=request.user, training_ids=[t.pk for t in trainings])
        trainings, not_for_you = selectors.trainings_split_by_eligibility(
            trainings, request.user, keep=mine
        )
    page = Paginator(trainings, 20).get_page(request.GET.get("page"))
    if tab == "past":
        mine = selectors.my_registrations(
            user=request.user, training_ids=[t.pk for t in page.object_list]
        )
    rows = [(t, mine.get(t.pk)) for t in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "not_for_you": not_for_you,
        "tab": tab,
        "query": f"tab={tab}",
        "now": timezone.now(),
    }
    template = "trainings/list.html#results" if request.htmx else "trainings/list.html"
    return render(request, template, context)


def _detail_context(request, training: Training, form: ApplyForm | None = None) -> dict:
    user = request.user
    panel = rsvp_panel(event=training.event, user=user)
    registration = panel["registration"]
    return {
        "training": training,
        "event": training.event,
        "panel": panel,
        "form": form or ApplyForm(questions=training.questions or []),
        "may_download": selectors.may_download_materials(
            training=training, user=user, registration=registration
        ),
        "archive_open": selectors.may_watch_archive(
            training=training, user=user, registration=registration
        ),
    }


def _render_detail(request, training, form=None, status=200):
    template = "trainings/orientation.html" if training.is_orientation else "trainings/detail.html"
    return render(request, template, _detail_context(request, training, form), status=status)


@member
@require_GET
def training_detail(request, pk: int):
    training = selectors.training_get(pk=pk, user=request.user)
    if training.is_orientation:
        return redirect("orientation")
    return _render_detail(request, training)


def _apply(request, pk: int):
    training = selectors.training_get(pk=pk, user=request.user)
    form = ApplyForm(request.POST, questions=training.questions or [])
    if not form.is_valid():
        return _render_detail(request, training, form, status=422)
    try:
        result = services.training_apply(
            training_id=training.pk, user=request.user, answers=form.answers()
        )
    except RegistrationError as exc:
        messages.error(request, exc.message)
        status = 403 if exc.code == "ineligible" else 409
        return _render_detail(request, training, form, status=status)
    messages.success(request, OUTCOME_MESSAGES.get(result.outcome, "受け付けました。"))
    return redirect(training.get_absolute_url())


def _cancel(request, pk: int):
    training = selectors.training_get(pk=pk, user=request.user)
    try:
        result = services.training_cancel(training_id=training.pk, user=request.user)
    except RegistrationError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, training, status=409)
    messages.success(request, OUTCOME_MESSAGES.get(result.outcome, "取り消しました。"))
    return redirect(training.get_absolute_url())


@member
@require_POST
def training_apply(request, pk: int):
    return _apply(request, pk)


@member
@require_POST
def training_cancel(request, pk: int):
    return _cancel(request, pk)


@member
@require_GET
def material_download(request, pk: int, material_id: int):
    training = selectors.training_get(pk=pk, user=request.user)
    material = get_object_or_404(Material, pk=material_id, training=training)
    if not selectors.may_download_materials(training=training, user=request.user):
        raise Http404("この資料は申込者だけが見られます。")
    response = FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The weekly orientation: the only member content open to applicants under review ---


@applicant
@require_GET
def orientation(request):
    """The sessions, for those who may apply; for any other signed-in account (draft,
    rejected, suspended, …) only the reason, since apply and `.ics` would answer 404."""
    problem = selectors.orientation_problem(request.user)
    items = []
    if problem is None:
        sessions = selectors.orientations_upcoming()
        panels = rsvp_panels(events=[t.event for t in sessions], user=request.user)
        items = [{"training": t, "panel": p} for t, p in zip(sessions, panels, strict=True)]
    return render(request, "trainings/orientation.html", {"items": items, "problem": problem})


def _orientation_only(pk: int) -> None:
    if not Training.objects.filter(pk=pk, is_orientation=True).exists():
        raise Http404("説明会が見つかりません。")


@applicant
@require_POST
def orientation_apply(request, pk: int):
    _orientation_only(pk)
    response = _apply(request, pk)
    return redirect("orientation") if response.status_code != 302 else response


@applicant
@require_POST
def orientation_cancel(request, pk: int):
    _orientation_only(pk)
    response = _cancel(request, pk)
    return redirect("orientation") if response.status_code != 302 else response
