from __future__ import annotations

from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from core import plugins
from core.access import ALLAUTH, applicant, member

from . import selectors, services
from .forms import (
    ApplicationForm,
    DirectorySearchForm,
    ProfileForm,
    WithdrawForm,
    initial_from_user,
)


def _person_form_context(form) -> dict:
    """The form plus the affiliation picker's options (that prefecture's, or all)."""
    prefecture = str(form["prefecture"].value() or "")[:2]
    return {
        "form": form,
        "lg_options": selectors.local_government_options(prefecture=prefecture),
    }


@applicant
def application_status(request):
    user = request.user
    return render(
        request,
        "accounts/status.html",
        {
            "user_obj": user,
            "history": selectors.status_history(user),
            "editable": user.can_edit_application,
        },
    )


@applicant
@require_http_methods(["GET", "POST"])
def application_edit(request):
    user = request.user
    if not user.can_edit_application:
        messages.info(request, f"申請は「{user.get_status_display()}」のため編集できません。")
        return redirect("application_status")
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                services.application_save(user=user, data=form.to_service_data())
            except services.TransitionError as exc:
                messages.error(request, str(exc))
                return redirect("application_status")
            messages.success(
                request,
                "入庁申請を受け付けました。事務局の確認が終わるとメールでお知らせします。",
            )
            return redirect("application_status")
        status = 422
    else:
        form = ApplicationForm(initial=initial_from_user(user))
        status = 200
    context = {**_person_form_context(form), "user_obj": user}
    return render(request, "accounts/application_form.html", context, status=status)


@applicant
@require_GET
@vary_on_headers("HX-Request")
def local_government_options(request):
    """<option> elements for the affiliation picker (htmx), by prefecture or search."""
    prefecture = request.GET.get("prefecture", "")[:2]
    q = request.GET.get("q", "")[:40]
    options = list(selectors.local_government_options(prefecture=prefecture, q=q)[:300])
    selected = request.GET.get("local_government", "")
    if len(options) == 1:
        selected = options[0].code  # narrowed down to one: choose it for the applicant
    return render(
        request,
        "accounts/_local_government_options.html",
        {"options": options, "selected": selected},
    )


@member
@vary_on_headers("HX-Request")
def directory(request):
    form = DirectorySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.directory_search(
        q=filters.get("q", ""),
        prefecture=filters["prefecture"].code if filters.get("prefecture") else "",
        local_government=filters.get("local_government", ""),
        job_type=filters.get("job_type", ""),
        extra={f.name: filters.get(f.name, "") for f in plugins.member_filters()},
    )
    page = Paginator(people, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "accounts/directory.html#results" if request.htmx else "accounts/directory.html"
    return render(request, template, context)


@member
def profile(request, pk: int):
    person = selectors.member_profile(pk=pk)
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "facts": selectors.profile_facts(person)},
    )


@member
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            updated = services.profile_update(
                user=user,
                data=form.to_service_data(),
                effective_on=form.cleaned_data.get("effective_on"),
            )
            if updated.affiliation_review_pending:
                messages.info(
                    request,
                    "所属の変更を記録しました。事務局が確認するまで、引き続きご利用いただけます。",
                )
            messages.success(request, "プロフィールを保存しました。")
            return redirect("profile", pk=user.pk)
        status = 422
    else:
        form = ProfileForm(initial=initial_from_user(user))
        status = 200
    return render(request, "accounts/profile_edit.html", _person_form_context(form), status=status)


@member
@require_http_methods(["GET", "POST"])
def withdraw(request):
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.member_withdraw(user_id=request.user.pk, actor=request.user)
            logout(request)
            messages.success(
                request, "退庁の手続きが完了しました。これまでありがとうございました。"
            )
            return redirect("landing")
        return render(request, "accounts/withdraw.html", {"form": form}, status=422)
    return render(request, "accounts/withdraw.html", {"form": form})


class SignupView(AllauthSignupView):
    """allauth's sign-up, answering 400 (not 200) when the form has errors, e.g. an
    address that is already registered."""

    access_policy = ALLAUTH

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


signup = SignupView.as_view()
