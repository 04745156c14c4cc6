"""Every transition of 年度更新: cycles (create, no overlap, close early, no reopening),
who must confirm, the four answers, the change of body through the address link and the
existing affiliation review, lapse and restore, coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AffiliationRecord, StatusChange, TrustedDomain, User
from events.models import Registration
from municipalities import coverage
from outbox.models import OutgoingMail
from renewals import selectors, services
from renewals.models import BodyChange, Cycle, Renewal
from tests.factories import MeetingFactory, MemberFactory, StaffFactory, local_government

from .conftest import make_cycle, open_cycle

pytestmark = pytest.mark.django_db
S = Renewal.State
U = User.Status
SAPPORO = "011002"


def _reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- cycles --------------------------------------------------------------------------------


def test_defaults_are_march_15_april_30_may_31():
    assert services.cycle_defaults(2026) == {
        "opens_on": dt.date(2026, 3, 15),
        "due_on": dt.date(2026, 4, 30),
        "grace_until": dt.date(2026, 5, 31),
    }


def test_cycles_cannot_overlap_and_dates_must_be_in_order():
    services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=None)
    with pytest.raises(services.RenewalError, match="重なっています"):
        services.cycle_create(
            fiscal_year=2027,
            opens_on=dt.date(2026, 5, 1),
            due_on=dt.date(2026, 6, 1),
            grace_until=dt.date(2026, 6, 30),
            actor=None,
        )
    with pytest.raises(services.RenewalError, match="すでにあります"):
        services.cycle_create(fiscal_year=2026, **services.cycle_defaults(2026), actor=None)
    with pytest.raises(services.RenewalError, match="確認期限は受付開始日より後"):
        services.cycle_create(
            fiscal_year=2028,
            opens_on=dt.date(2028, 4, 30),
            due_on=dt.date(2028, 3, 15),
            grace_until=dt.date(2028, 5, 31),
            actor=None,
        )
    services.cycle_create(fiscal_year=2027, **services.cycle_defaults(2027), actor=None)
    assert Cycle.objects.count() == 2


def test_close_early_is_allowed_once_and_never_reopened(cycle):
    closed = services.cycle_close(cycle_id=cycle.pk, actor=None)
    assert closed.closed_on == timezone.localdate()
    assert closed.phase(timezone.localdate()) == "ended"
    with pytest.raises(services.RenewalError, match="再開はできません"):
        services.cycle_close(cycle_id=cycle.pk, actor=None)
    with pytest.raises(services.RenewalError, match="再開できません"):
        services.cycle_update(
            cycle_id=cycle.pk,
            opens_on=cycle.opens_on,
            due_on=cycle.due_on + dt.timedelta(days=30),
            grace_until=cycle.grace_until + dt.timedelta(days=30),
        )


def test_a_closed_cycle_frees_the_rest_of_its_period_for_the_next():
    today = timezone.localdate()
    first = make_cycle(opened_days_ago=5, due_in=20, fiscal_year=2030)
    services.cycle_close(cycle_id=first.pk, actor=None)
    services.cycle_create(
        fiscal_year=2031,
        opens_on=today + dt.timedelta(days=1),
        due_on=today + dt.timedelta(days=10),
        grace_until=today + dt.timedelta(days=20),
        actor=None,
    )


def test_who_must_confirm_members_approved_before_opening_not_staff_nor_newcomers():
    today = timezone.localdate()
    before = MemberFactory(approved_at=timezone.now() - dt.timedelta(days=400))
    StaffFactory(approved_at=timezone.now() - dt.timedelta(days=400))
    MemberFactory()  # approved today, after the opening
    MemberFactory(status=U.SUSPENDED, approved_at=timezone.now() - dt.timedelta(days=400))
    cycle = services.cycle_create(
        fiscal_year=today.year,
        opens_on=today - dt.timedelta(days=3),
        due_on=today + dt.timedelta(days=30),
        grace_until=today + dt.timedelta(days=60),
        actor=None,
    )
    assert services.cycles_open() == 1
    assert list(Renewal.objects.values_list("user_id", flat=True)) == [before.pk]
    assert services.cycles_open() == 0  # once
    assert _reload(cycle).opened_at is not None


def test_a_cycle_before_its_opening_day_settles_nobody():
    MemberFactory(approved_at=timezone.now() - dt.timedelta(days=10))
    make_cycle(opened_days_ago=-3, due_in=30)
    assert services.cycles_open() == 0
    assert not Renewal.objects.exists()


# --- answers --------------------------------------------------------------------------------


@pytest.fixture
def member(cycle):
    m = MemberFactory()
    open_cycle(cycle)
    return m


def test_unchanged_confirms_and_twice_does_nothing(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.renewal_confirm(user=member, choice="unchanged")
    renewal = _reload(result.renewal)
    assert renewal.state == S.CONFIRMED and renewal.choice == "unchanged"
    first = renewal.confirmed_at
    again = services.renewal_confirm(user=member, choice="moved_within", data={"department": "x"})
    assert again.already
    renewal = _reload(renewal)
    assert renewal.confirmed_at == first and renewal.choice == "unchanged"
    assert _reload(member).department == "総務部 総務課"


def test_moved_within_records_the_new_department_without_review(member):
    services.renewal_confirm(
        user=member,
        choice="moved_within",
        data={"department": "企画部 政策課", "position": "主任", "job_type": "general"},
    )
    user = _reload(member)
    assert user.department == "企画部 政策課" and user.position == "主任"
    assert not user.affiliation_review_pending
    assert AffiliationRecord.objects.filter(user=user, department="企画部 政策課").exists()
    assert Renewal.objects.get(user=user).state == S.CONFIRMED


def test_someone_without_a_renewal_gets_404(cycle):
    open_cycle(cycle)
    newcomer = MemberFactory()  # approved after the cut-off: no row
    Renewal.objects.filter(user=newcomer).delete()
    with pytest.raises(Http404):
        services.renewal_confirm(user=newcomer, choice="unchanged")


def _move(member, *, email="yamada@city.sapporo.lg.jp", code=SAPPORO):
    return services.renewal_confirm(
        user=member,
        choice="moved_body",
        data={
            "affiliation_type": "local_government",
            "local_government": local_government(code),
            "department": "市民文化局",
            "work_email": email,
        },
    )


def test_moving_body_sends_a_link_and_changes_nothing_until_it_is_opened(member):
    result = _move(member)
    assert result.change is not None
    mail = OutgoingMail.objects.get(template="renewal_verify_email")
    assert mail.to_email == "yamada@city.sapporo.lg.jp"
    assert f"/renewal/verify/{result.change.token}/" in mail.body
    user = _reload(member)
    assert user.local_government.code == "131016" and not user.affiliation_review_pending
    assert Renewal.objects.get(user=user).state == S.PENDING


def test_opening_the_link_records_the_move_for_staff_review_and_confirms(
    member, django_capture_on_commit_callbacks
):
    change = _move(member).change
    with django_capture_on_commit_callbacks(execute=True):
        result = services.body_change_verify(user=member, token=change.token)
    user = _reload(member)
    assert user.local_government.code == SAPPORO and user.work_email == change.work_email
    assert user.affiliation_review_pending  # the existing review in accounts
    assert user.status == U.APPROVED  # keeps access meanwhile
    assert _reload(result.renewal).state == S.CONFIRMED
    assert selectors.waiting_review().get().pk == change.pk
    assert StatusChange.objects.filter(user=user, reason="affiliation_changed").exists()
    # Opening it twice does nothing.
    assert services.body_change_verify(user=member, token=change.token).already
    # Staff verify through accounts: the new city counts.
    account_services.affiliation_verify(user_id=user.pk, actor=StaffFactory())
    assert not selectors.waiting_review().exists()


def test_a_trusted_domain_of_the_new_body_verifies_at_once(member):
    TrustedDomain.objects.create(
        domain="city.sapporo.lg.jp", local_government=local_government(SAPPORO)
    )
    change = _move(member).change
    services.body_change_verify(user=member, token=change.token)
    user = _reload(member)
    assert user.local_government.code == SAPPORO and not user.affiliation_review_pending
    assert _reload(change).trusted


def test_a_trusted_domain_of_another_body_does_not_count(member):
    TrustedDomain.objects.create(domain="lg.jp")  # no local government: not this body's
    change = _move(member).change
    services.body_change_verify(user=member, token=change.token)
    assert _reload(member).affiliation_review_pending


def test_another_members_link_and_an_old_link_are_404(member):
    other = MemberFactory()
    change = _move(member).change
    with pytest.raises(Http404):
        services.body_change_verify(user=other, token=change.token)
    with pytest.raises(Http404):
        services.body_change_verify(user=member, token="tampered")
    newer = _move(member, email="yamada2@city.sapporo.lg.jp").change
    with pytest.raises(Http404):
        services.body_change_verify(user=member, token=change.token)
    services.body_change_verify(user=member, token=newer.token)
    assert _reload(member).work_email == "yamada2@city.sapporo.lg.jp"


def test_moving_to_the_same_body_is_refused(member):
    with pytest.raises(services.RenewalError, match="同じ団体"):
        _move(member, code="131016")
    assert not BodyChange.objects.exists()


def test_retired_is_withdrawal_with_the_goodbye_and_erasure(member):
    email = member.email
    services.renewal_confirm(user=member, choice="retired")
    user = _reload(member)
    assert user.status == U.WITHDRAWN and user.full_name == ""
    assert Renewal.objects.get(user=user).state == S.WITHDRAWN
    assert OutgoingMail.objects.filter(template="vetting_withdrawn", to_email=email).exists()


# --- lapse and restore ---------------------------------------------------------------------


@pytest.fixture
def ended_cycle(db):
    """Grace ended yesterday."""
    return make_cycle(opened_days_ago=80, due_in=-33, grace_after_due=31)


def test_after_the_grace_the_unconfirmed_lapse_lose_seats_and_stop_counting(
    ended_cycle, django_capture_on_commit_callbacks
):
    sleeper = MemberFactory(local_government=local_government(SAPPORO))
    keen = MemberFactory(local_government=local_government("472018"))
    open_cycle(ended_cycle)
    Renewal.objects.filter(user=keen).update(state=S.CONFIRMED, confirmed_at=timezone.now())
    meeting = MeetingFactory()
    Registration.objects.create(event=meeting.event, user=sleeper, status="going")
    assert SAPPORO in coverage.compute().covered_codes
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lapses_apply() == 1
    assert services.lapses_apply() == 0  # safe to run twice
    user = _reload(sleeper)
    assert user.status == U.LAPSED and not user.is_member
    assert Renewal.objects.get(user=user).state == S.LAPSED
    assert Registration.objects.get(user=user).status != "going"  # the seat went back
    assert _reload(keen).status == U.APPROVED
    data = coverage.compute()
    assert SAPPORO not in data.covered_codes and "472018" in data.covered_codes
    assert data.basis == f"{ended_cycle.label}の確認済み会員"
    assert OutgoingMail.objects.filter(template="renewal_lapsed", recipient=user).count() == 1
    assert StatusChange.objects.filter(user=user, to_status=U.LAPSED).exists()


def test_a_lapsed_member_who_confirms_unchanged_is_restored(ended_cycle):
    m = MemberFactory()
    open_cycle(ended_cycle)
    services.lapses_apply()
    result = services.renewal_confirm(user=_reload(m), choice="unchanged")
    assert result.restored
    assert _reload(m).status == U.APPROVED
    assert Renewal.objects.get(user=m).state == S.CONFIRMED


def test_a_lapsed_member_who_changed_body_waits_for_staff(ended_cycle):
    m = MemberFactory()
    open_cycle(ended_cycle)
    services.lapses_apply()
    change = _move(_reload(m)).change
    services.body_change_verify(user=_reload(m), token=change.token)
    user = _reload(m)
    assert user.status == U.LAPSED and user.affiliation_review_pending
    account_services.affiliation_verify(user_id=user.pk, actor=StaffFactory())
    user = _reload(m)
    assert user.status == U.APPROVED and user.local_government.code == SAPPORO


def test_a_cycle_closed_early_lapses_nobody(ended_cycle):
    MemberFactory()
    open_cycle(ended_cycle)
    Cycle.objects.filter(pk=ended_cycle.pk).update(closed_on=ended_cycle.grace_until)
    assert services.lapses_apply() == 0
    assert not User.objects.filter(status=U.LAPSED).exists()


def test_a_lapsed_member_may_withdraw(ended_cycle):
    m = MemberFactory()
    open_cycle(ended_cycle)
    services.lapses_apply()
    services.renewal_confirm(user=_reload(m), choice="retired")
    assert _reload(m).status == U.WITHDRAWN


# --- what members see -------------------------------------------------------------------------


def test_profile_line_and_coverage_basis(member, cycle):
    assert selectors.profile_lines(member) == []
    services.renewal_confirm(user=member, choice="unchanged")
    assert selectors.profile_lines(member) == [f"{cycle.label} 確認済み"]
    newcomer = MemberFactory(approved_at=timezone.now() + dt.timedelta(days=1))
    assert selectors.profile_lines(newcomer) == [f"{cycle.label} 確認済み"]
    assert selectors.coverage_basis().startswith(f"{cycle.label}の確認済み会員と")


def test_overdue_reviews_of_changes_of_body_reach_the_staff_mail(member, settings):
    StaffFactory(email="boss@yokoito.example")
    change = _move(member).change
    services.body_change_verify(user=member, token=change.token)
    later = timezone.now() + dt.timedelta(hours=settings.VETTING_OVERDUE_HOURS + 2)
    assert selectors.overdue_review_lines(timezone.now()) == []
    assert account_services.applications_overdue_notify(now=later) >= 1
    mail = OutgoingMail.objects.filter(template="vetting_overdue").first()
    assert "所属団体の変更" in mail.body and "yamada@city.sapporo.lg.jp" in mail.body
