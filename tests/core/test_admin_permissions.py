"""Every custom admin view and action checks its permission (issue 9 item 1).

The custom URLs (each ModelAdmin's `get_urls()` beyond Django's five) and the bulk actions
(each ModelAdmin's actions, Django's `delete_selected` included) are enumerated from the
admin itself, so that a new one cannot be forgotten: it must be added to CASES below, with
the permission it needs and a check that it did its work.

For every case:
- a staff account with no permission gets 403, and nothing changes: every row of every
  table is as before and no mail is queued;
- a staff account that may only *view* the model gets 403 for the actions (Django alone
  would let it run an action that declares no permission);
- each role (審査担当, 研修担当, 運営責任者) that holds the permissions can do it, and the
  roles that do not are refused; the role the case names is one of those that can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.staff_roles import OPERATIONS, ROLES, TRAINING, VETTING
from events.models import Event, Registration
from outbox.models import OutgoingMail
from sections.models import JoinRequest, SectionMembership
from tests.core.admin_world import AdminWorld, admin_world, staff
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
S = User.Status
DJANGO_VIEWS = {"changelist", "add", "history", "delete", "change"}
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
NEXT_WEEK = (timezone.localdate() + dt.timedelta(days=7)).isoformat()


@dataclass(frozen=True)
class Case:
    """One custom admin URL (one way of calling it) or one bulk action."""

    key: str  # "url:<url name>" or "action:<app>.<model>:<action name>"
    method: str
    url: Callable[[AdminWorld], str]
    data: Callable[[AdminWorld], dict] | None
    perms: frozenset[str]  # what the account needs, as "app.codename"
    role: str  # the staff role meant to do it
    done: Callable[[AdminWorld], bool]  # it did its work (checked after a request)
    ok: tuple[int, ...] = (200, 302)


def _o(w, name):
    return w.objects[name]


def _status(name, status):
    return lambda w: User.objects.get(pk=_o(w, name).pk).status == status


def _queued(template):
    return lambda w: OutgoingMail.objects.filter(template=template).exists()


def _url(path):
    return lambda w: path.format(**{k: getattr(v, "pk", v) for k, v in w.objects.items()})


def _action(model: str, name: str, obj: str, perms, role, done, extra=None) -> Case:
    app_label, model_name = model.split(".")

    def data(w):
        return {"action": name, "_selected_action": [_o(w, obj).pk], **(extra or {})}

    return Case(
        key=f"action:{model}:{name}",
        method="POST",
        url=lambda w: f"/admin/{app_label}/{model_name}/",
        data=data,
        perms=frozenset(perms),
        role=role,
        done=done,
    )


APPROVE = {"accounts.approve_application"}
SUSPEND = {"accounts.suspend_member"}
VERIFY = {"accounts.verify_affiliation"}
REGISTRANTS = {"trainings.view_registrants"}


def _attended(w):
    return Registration.objects.get(pk=_o(w, "training_registration").pk).attended is True


def _membership_role(role):
    return lambda w: SectionMembership.objects.get(pk=_o(w, "membership").pk).role == role


def _cycle_closed(w):
    from renewals.models import Cycle

    return Cycle.objects.get(pk=_o(w, "cycle").pk).closed_on is not None


CASES = [
    # --- renewals (年度更新): the dashboard, its CSV, closing early -------------------------
    Case("url:renewals_cycle_dashboard", "GET", _url("/admin/renewals/cycle/{cycle}/dashboard/"),
         None, frozenset({"renewals.view_cycle"}), VETTING, lambda w: True, ok=(200,)),
    Case("url:renewals_cycle_dashboard_csv", "GET",
         _url("/admin/renewals/cycle/{cycle}/dashboard.csv"), None,
         frozenset({"renewals.export_renewals"}), VETTING, lambda w: True, ok=(200,)),
    Case("url:renewals_cycle_close", "POST", _url("/admin/renewals/cycle/{cycle}/close/"), None,
         frozenset({"renewals.change_cycle"}), VETTING, _cycle_closed),
    # --- accounts: the application's page -------------------------------------------------
    Case("url:accounts_application_approve", "POST",
         _url("/admin/accounts/application/{applicant}/approve/"), None, frozenset(APPROVE),
         VETTING, _status("applicant", S.APPROVED)),
    Case("url:accounts_application_reject", "POST",
         _url("/admin/accounts/application/{applicant}/reject/"),
         lambda w: {"apply": "1", "reason": "not_public_servant", "message": "在職証明を"},
         frozenset(APPROVE), VETTING, _status("applicant", S.REJECTED)),
    Case("url:accounts_application_reject#form", "GET",
         _url("/admin/accounts/application/{applicant}/reject/"), None, frozenset(APPROVE),
         VETTING, lambda w: True, ok=(200,)),
    Case("url:accounts_application_request_info", "POST",
         _url("/admin/accounts/application/{applicant}/request_info/"),
         lambda w: {"apply": "1", "message": "部署名を教えてください"}, frozenset(APPROVE),
         VETTING, _status("applicant", S.NEEDS_INFO)),
    # --- accounts: the member's page ------------------------------------------------------
    Case("url:accounts_user_suspend", "POST", _url("/admin/accounts/user/{member}/suspend/"),
         lambda w: {"apply": "1", "reason": "conduct", "message": ""}, frozenset(SUSPEND),
         VETTING, _status("member", S.SUSPENDED)),
    Case("url:accounts_user_reinstate", "POST",
         _url("/admin/accounts/user/{suspended}/reinstate/"), None, frozenset(SUSPEND),
         VETTING, _status("suspended", S.APPROVED)),
    Case("url:accounts_user_verify", "POST", _url("/admin/accounts/user/{moved}/verify/"),
         None, frozenset(VERIFY), VETTING,
         lambda w: not User.objects.get(pk=_o(w, "moved").pk).affiliation_review_pending),
    # --- trainings: registrants, CSV, attendance, the message to all ----------------------
    Case("url:trainings_training_registrants", "GET",
         _url("/admin/trainings/training/{training}/registrants/"), None,
         frozenset(REGISTRANTS), TRAINING, lambda w: True, ok=(200,)),
    Case("url:trainings_training_registrants#attendance", "POST",
         _url("/admin/trainings/training/{training}/registrants/"),
         lambda w: {"do": "attendance", "attended": [_o(w, "training_registration").pk]},
         frozenset(REGISTRANTS | {"trainings.change_training"}), TRAINING, _attended),
    Case("url:trainings_training_registrants#announce", "POST",
         _url("/admin/trainings/training/{training}/registrants/"),
         lambda w: {"do": "announce", "subject": "資料の追加", "body": "資料を追加しました。"},
         frozenset(REGISTRANTS | {"trainings.mail_registrants"}), TRAINING,
         _queued("trainings_announcement")),
    Case("url:trainings_training_registrants_csv", "GET",
         _url("/admin/trainings/training/{training}/registrants.csv"), None,
         frozenset({"trainings.export_registrants"}), TRAINING, lambda w: True, ok=(200,)),
    # --- broadcasts: generating episodes --------------------------------------------------
    Case("url:broadcasts_programme_generate", "POST",
         _url("/admin/broadcasts/programme/{programme}/generate/"),
         lambda w: {"apply": "1", "start": TOMORROW, "end": NEXT_WEEK},
         frozenset({"broadcasts.add_episode"}), TRAINING,
         lambda w: _o(w, "programme").episodes.count() > 1),
    # --- bulk actions ---------------------------------------------------------------------
    _action("accounts.application", "action_approve", "applicant", APPROVE, VETTING,
            _status("applicant", S.APPROVED)),
    _action("accounts.application", "action_reject", "applicant", APPROVE, VETTING,
            _status("applicant", S.REJECTED), {"apply": "1", "reason": "not_public_servant"}),
    _action("accounts.application", "action_request_info", "applicant", APPROVE, VETTING,
            _status("applicant", S.NEEDS_INFO), {"apply": "1", "message": "所属は？"}),
    _action("accounts.user", "action_suspend", "member", SUSPEND, VETTING,
            _status("member", S.SUSPENDED), {"apply": "1", "reason": "conduct"}),
    _action("accounts.user", "action_reinstate", "suspended", SUSPEND, VETTING,
            _status("suspended", S.APPROVED)),
    _action("accounts.user", "action_verify", "moved", VERIFY, VETTING,
            lambda w: not User.objects.get(pk=_o(w, "moved").pk).affiliation_review_pending),
    _action("account.emailaddress", "make_verified", "unverified_email",
            {"account.change_emailaddress"}, OPERATIONS,
            lambda w: EmailAddress.objects.get(pk=_o(w, "unverified_email").pk).verified),
    _action("broadcasts.programme", "generate_episodes", "programme",
            {"broadcasts.add_episode"}, TRAINING,
            lambda w: _o(w, "programme").episodes.count() > 1,
            {"apply": "1", "start": TOMORROW, "end": NEXT_WEEK}),
    _action("events.event", "cancel_events", "training_event", {"events.change_event"},
            TRAINING, lambda w: Event.objects.get(pk=_o(w, "training_event").pk).is_cancelled),
    _action("sections.sectionmembership", "make_head", "membership",
            {"sections.change_sectionmembership"}, OPERATIONS, _membership_role("head")),
    _action("sections.sectionmembership", "make_deputy", "membership",
            {"sections.change_sectionmembership"}, OPERATIONS, _membership_role("deputy")),
    _action("sections.sectionmembership", "make_member", "deputy_membership",
            {"sections.change_sectionmembership"}, OPERATIONS,
            lambda w: SectionMembership.objects.get(pk=_o(w, "deputy_membership").pk).role
            == "member"),
    _action("sections.sectionmembership", "remove", "membership",
            {"sections.change_sectionmembership"}, OPERATIONS,
            lambda w: not SectionMembership.objects.filter(pk=_o(w, "membership").pk).exists()),
    _action("sections.joinrequest", "accept", "join_request", {"sections.change_joinrequest"},
            OPERATIONS,
            lambda w: JoinRequest.objects.get(pk=_o(w, "join_request").pk).status == "accepted"),
    _action("sections.joinrequest", "decline", "join_request",
            {"sections.change_joinrequest"}, OPERATIONS,
            lambda w: JoinRequest.objects.get(pk=_o(w, "join_request").pk).status != "pending"),
    _action("sections.meeting", "cancel", "meeting", {"sections.change_meeting"}, OPERATIONS,
            lambda w: Event.objects.get(pk=_o(w, "meeting").event_id).is_cancelled),
    _action("outbox.outgoingmail", "resend", "failed_mail", {"outbox.change_outgoingmail"},
            OPERATIONS,
            lambda w: OutgoingMail.objects.get(pk=_o(w, "failed_mail").pk).status != "failed"),
]  # fmt: skip
BY_KEY = {case.key: case for case in CASES}


def custom_urls() -> set[str]:
    """The name of every URL a ModelAdmin adds to Django's own."""
    names = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name.removeprefix(prefix) not in DJANGO_VIEWS:
                names.add(pattern.name)
    return names


def all_actions() -> list[tuple[object, str, Callable]]:
    """(model admin, action name, function) for every bulk action of every ModelAdmin."""
    return [
        (model_admin, name, func)
        for model_admin in admin.site._registry.values()
        for func, name, _description in model_admin._get_base_actions()
    ]


def _action_key(model_admin, name) -> str:
    return f"action:{model_admin.opts.label_lower}:{name}"


# --- the inventory -----------------------------------------------------------------------


def test_every_custom_admin_url_and_action_is_a_case():
    urls = {key.split("#")[0].removeprefix("url:") for key in BY_KEY if key.startswith("url:")}
    assert custom_urls() == urls, "a custom admin URL without a case (or a stale case)"
    ours = {
        _action_key(model_admin, name)
        for model_admin, name, _func in all_actions()
        if name != "delete_selected"
    }
    assert ours == {key for key in BY_KEY if key.startswith("action:")}


def test_every_action_declares_its_permissions():
    missing = [
        _action_key(model_admin, name)
        for model_admin, name, func in all_actions()
        if not getattr(func, "allowed_permissions", None)
        or not all(hasattr(model_admin, f"has_{p}_permission") for p in func.allowed_permissions)
    ]
    assert missing == []


def test_the_cases_name_real_permissions_held_by_their_role():
    groups = _role_permissions()
    for case in CASES:
        for perm in case.perms:
            app_label, codename = perm.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), (case.key, perm)
        assert case.perms <= groups[case.role], (case.key, case.role)


def test_operations_holds_every_permission_of_every_model_the_admin_shows():
    operations = _role_permissions()[OPERATIONS]
    missing = []
    for model in admin.site._registry:
        opts = model._meta
        codes = [f"{a}_{opts.model_name}" for a in ("view", "add", "change", "delete")]
        codes += [code for code, _name in opts.permissions]
        missing += [
            f"{opts.app_label}.{c}" for c in codes if f"{opts.app_label}.{c}" not in operations
        ]
    assert missing == []


def test_the_roles_exist_with_the_vetting_and_training_split():
    groups = _role_permissions()
    assert set(groups) >= set(ROLES)
    assert "accounts.approve_application" in groups[VETTING]
    assert "accounts.approve_application" not in groups[TRAINING]
    assert "trainings.export_registrants" in groups[TRAINING]
    assert "trainings.export_registrants" not in groups[VETTING]
    assert not any(
        p.startswith(("sections.", "outbox.")) for p in groups[VETTING] | groups[TRAINING]
    )


# --- requests ----------------------------------------------------------------------------


def _role_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


SNAPSHOT_COUNT_ONLY = {"municipalities.localgovernment", "municipalities.prefecture"}
SNAPSHOT_SKIP = {"sessions.session", "contenttypes.contenttype", "auth.permission"}


def snapshot() -> dict:
    """Every row of every table (only the count for the 1,788 local governments)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SNAPSHOT_SKIP or model._meta.proxy:
            continue
        rows = model._base_manager.order_by("pk")
        if label in SNAPSHOT_COUNT_ONLY:
            state[label] = rows.count()
        else:
            # last_login moves when the test logs an account in: not the request's doing.
            state[label] = [
                {k: v for k, v in row.items() if k != "last_login"} for row in rows.values()
            ]
    return state


def world_for_cases(tmp_path, settings) -> AdminWorld:
    settings.MEDIA_ROOT = tmp_path
    w = admin_world()
    o = w.objects
    o["unverified_email"] = EmailAddress.objects.create(
        user=o["applicant"], email=o["applicant"].email, verified=False, primary=True
    )
    o["training_event"] = o["training"].event
    o["deputy_membership"] = SectionMembership.objects.create(
        section=o["section"], user=MemberFactory(full_name="課長 補佐"), role="deputy"
    )
    return w


def send(client: Client, case: Case, w: AdminWorld):
    url = case.url(w)
    data = case.data(w) if case.data else {}
    if case.method == "GET":
        return client.get(url)
    return client.post(url, data)


def attempt(client: Client, case: Case, w: AdminWorld) -> tuple[int, str, bool]:
    """Send the case in a savepoint that is rolled back: (status, what changed, done)."""
    sid = transaction.savepoint()
    try:
        before, mails = snapshot(), OutgoingMail.objects.count()
        response = send(client, case, w)
        if response.streaming:
            b"".join(response.streaming_content)
        after = snapshot()
        changed = [label for label in before if before[label] != after[label]]
        if OutgoingMail.objects.count() != mails:
            changed.append("a mail was queued")
        done = case.done(w)
    finally:
        transaction.savepoint_rollback(sid)
    return response.status_code, ", ".join(changed), done


def test_staff_without_permissions_are_refused_and_nothing_changes(tmp_path, settings):
    w = world_for_cases(tmp_path, settings)
    client = Client()
    client.force_login(staff())
    wrong = []
    for case in CASES:
        status, changed, _done = attempt(client, case, w)
        if status != 403 or changed:
            wrong.append(f"{case.key}: {status} {changed}")
    # Django's own bulk deletion on every model, too.
    for model_admin, name, _func in all_actions():
        if name != "delete_selected":
            continue
        obj = model_admin.get_queryset(w.request).order_by("pk").first()
        case = Case(f"delete:{model_admin.opts.label_lower}", "POST",
                    lambda w, o=model_admin.opts: f"/admin/{o.app_label}/{o.model_name}/",
                    lambda w, pk=obj.pk: {"action": "delete_selected", "_selected_action": [pk],
                                          "post": "yes"},
                    frozenset(), OPERATIONS, lambda w: False)  # fmt: skip
        status, changed, _done = attempt(client, case, w)
        if status != 403 or changed:
            wrong.append(f"{case.key}: {status} {changed}")
    assert wrong == []


def test_staff_who_may_only_view_cannot_run_actions(tmp_path, settings):
    """Django offers an action that declares no permission to anyone who may view the list:
    each action here needs its own permission, and posting it without one is a 403."""
    w = world_for_cases(tmp_path, settings)
    wrong = []
    for case in CASES:
        if not case.key.startswith("action:"):
            continue
        model = case.key.split(":")[1]
        app_label, model_name = model.split(".")
        viewer = staff()
        viewer.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=f"view_{model_name}")
        )
        client = Client()
        client.force_login(viewer)
        assert client.get(case.url(w)).status_code == 200, case.key  # they do see the list
        status, changed, done = attempt(client, case, w)
        if status != 403 or changed or done:
            wrong.append(f"{case.key}: {status} {changed}")
    assert wrong == []


def test_each_role_does_what_its_permissions_allow_and_nothing_else(tmp_path, settings):
    w = world_for_cases(tmp_path, settings)
    groups = _role_permissions()
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(staff(role))
    wrong = []
    for case in CASES:
        allowed = [role for role in ROLES if case.perms <= groups[role]]
        assert case.role in allowed, case.key
        for role in ROLES:
            status, changed, done = attempt(clients[role], case, w)
            if role in allowed and (status not in case.ok or not done):
                wrong.append(f"{case.key} as {role}: {status}, done={done}")
            if role not in allowed and (status != 403 or changed):
                wrong.append(f"{case.key} as {role}: {status} {changed} (should be refused)")
    assert wrong == []
