"""Coverage: who counts, the constant query count, the cache and its invalidation."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from accounts.models import AffiliationType, User
from municipalities import coverage, selectors
from municipalities.coverage import COVERAGE_CACHE_KEY, COVERAGE_TTL
from municipalities.coverage import compute as coverage_compute
from municipalities.models import LocalGovernment
from municipalities.selectors import (
    coverage_data,
    coverage_headline,
    coverage_prefecture_detail,
    coverage_prefecture_table,
    coverage_search,
    normalize_query,
)
from municipalities.services import coverage_invalidate
from tests.factories import MemberFactory, StaffFactory, UserFactory, local_government

pytestmark = pytest.mark.django_db

CHIYODA = "131016"


def covered_codes() -> frozenset[str]:
    coverage_invalidate()
    return coverage_data().covered_codes


@pytest.mark.parametrize(
    ("status", "is_active", "counts"),
    [
        (User.Status.APPROVED, True, True),
        (User.Status.APPROVED, False, False),  # deactivated account
        (User.Status.SUBMITTED, True, False),
        (User.Status.NEEDS_INFO, True, False),
        (User.Status.REJECTED, True, False),
        (User.Status.SUSPENDED, True, False),
        (User.Status.SUSPENDED, False, False),
        (User.Status.WITHDRAWN, False, False),
        (User.Status.DRAFT, True, False),
        (User.Status.UNVERIFIED, True, False),
    ],
)
def test_only_approved_active_members_cover_their_local_government(status, is_active, counts):
    MemberFactory(local_government=local_government(CHIYODA), status=status, is_active=is_active)
    data = coverage_compute()
    assert (CHIYODA in data.covered_codes) is counts
    assert data.covered == (1 if counts else 0)
    assert data.members == (1 if counts else 0)
    headline = coverage_headline()
    assert headline == {
        "covered": 1 if counts else 0,
        "total": 1788,
        "percent": 0.1 if counts else 0.0,
        "members": 1 if counts else 0,
    }


def test_several_members_in_one_local_government_cover_it_once():
    for _ in range(3):
        MemberFactory(local_government=local_government(CHIYODA))
    MemberFactory(local_government=local_government("011002"))  # 札幌市
    data = coverage_compute()
    assert data.covered_codes == {CHIYODA, "011002"}
    assert data.members == 4
    tokyo = data.prefecture("13")
    assert (tokyo.covered, tokyo.total) == (1, 63)
    assert data.prefecture("01").covered == 1


def test_the_prefectural_government_is_a_local_government_of_its_own():
    MemberFactory(local_government=local_government("130001"))  # 東京都 (the prefecture)
    data = coverage_compute()
    assert data.covered_codes == {"130001"}
    detail = coverage_prefecture_detail(data, "13")
    assert [lg.name for lg in detail.covered] == ["東京都"]
    assert detail.uncovered[0].name == "千代田区"
    assert len(detail.covered) + len(detail.uncovered) == 63


def test_staff_accounts_are_not_counted_as_members_nor_cover_anything():
    """Issue 10 item 7: 301 人 with 300 seeded members was the staff account."""
    StaffFactory(local_government=None, affiliation_type="")
    StaffFactory(local_government=local_government(CHIYODA))  # staff with an affiliation
    MemberFactory(local_government=local_government("011002"))
    data = coverage_compute()
    assert data.members == 1
    assert data.covered_codes == {"011002"}


def test_a_member_who_moved_to_a_ministry_no_longer_covers_the_old_local_government():
    MemberFactory(
        local_government=local_government(CHIYODA),
        affiliation_type=AffiliationType.MINISTRY,
        ministry="総務省",
    )
    data = coverage_compute()
    assert data.members == 1
    assert data.covered == 0


def test_a_member_of_a_merged_local_government_covers_its_successor():
    old = local_government("012033")  # 小樽市, pretend it merged into 札幌市
    old.is_defunct = True
    old.successor = local_government("011002")
    old.save()
    MemberFactory(local_government=old)
    data = coverage_compute()
    assert data.covered_codes == {"011002"}
    assert data.total == 1787  # the defunct one is not listed


def test_a_draft_user_without_affiliation_changes_nothing():
    UserFactory()
    assert coverage_compute().members == 0


def _members_everywhere(count: int) -> None:
    lgs = list(LocalGovernment.objects.order_by("code")[:count])
    User.objects.bulk_create(
        User(
            email=f"bulk{i}@example.invalid",
            password="!",
            status=User.Status.APPROVED,
            affiliation_type=AffiliationType.LOCAL_GOVERNMENT,
            local_government=lgs[i % len(lgs)],
        )
        for i in range(count * 2)
    )


@pytest.mark.parametrize("members", [1, 50, 600])
def test_the_computation_takes_three_queries_whatever_the_number_of_members(
    members, django_assert_num_queries
):
    _members_everywhere(members)
    # The members source's grouped query, the local governments, and the basis (the
    # latest 年度更新 cycle, from renewals: 「2026年度の確認済み会員」).
    with django_assert_num_queries(3):
        data = coverage_compute()
    assert data.members == members * 2
    assert data.covered == members


def test_a_warm_cache_answers_without_any_query(django_assert_num_queries):
    _members_everywhere(100)
    with django_assert_num_queries(3):  # members, local governments, basis
        data = coverage_data()
    with django_assert_num_queries(0):
        again = coverage_data()
        detail = coverage_prefecture_detail(again, "01")
        coverage_search(again, "さっぽろ")
        coverage_prefecture_table(again, sort="-rate")
    assert again.version == data.version
    assert detail.prefecture.total == 180


def test_the_cache_holds_one_entry_with_a_ttl_of_at_most_a_minute():
    assert COVERAGE_TTL <= 60
    assert cache.get(COVERAGE_CACHE_KEY) is None
    data = coverage_data()
    assert cache.get(COVERAGE_CACHE_KEY) == data
    assert data.computed_at is not None and data.updated_at is not None


def test_invalidation_makes_the_next_read_recompute():
    before = coverage_data()
    assert before.covered == 0
    MemberFactory(local_government=local_government(CHIYODA))
    assert coverage_data().covered == 0  # still cached: nobody invalidated
    coverage_invalidate()
    after = coverage_data()
    assert after.covered == 1
    assert after.version != before.version
    assert after.updated_at >= before.updated_at


def test_invalidation_after_commit_from_a_service(django_capture_on_commit_callbacks):
    """How the account services use it: transaction.on_commit(coverage_invalidate)."""
    from django.db import transaction

    assert coverage_data().covered == 0
    with django_capture_on_commit_callbacks(execute=True):
        MemberFactory(local_government=local_government(CHIYODA))
        transaction.on_commit(coverage_invalidate)
    assert coverage_data().covered == 1


class _Clock:
    """Stands in for the `time` module: the cache's and the process memo's clocks."""

    def __init__(self):
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds


def test_a_missed_invalidation_is_healed_by_the_ttl(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    monkeypatch.setattr(coverage, "time", clock)
    assert coverage_data().covered == 0
    MemberFactory(local_government=local_government(CHIYODA))  # no invalidation
    clock.offset = coverage.COVERAGE_REFRESH_AFTER - 5
    assert coverage_data().covered == 0
    # Under traffic, the first read after COVERAGE_REFRESH_AFTER refreshes it...
    clock.offset = coverage.COVERAGE_REFRESH_AFTER + 1
    assert coverage_data().covered == 1
    # ...and without traffic the entry is gone after COVERAGE_TTL.
    MemberFactory(local_government=local_government("011002"))
    clock.offset += 5
    assert coverage_data().covered == 1
    assert cache.get(COVERAGE_CACHE_KEY) is not None
    clock.offset += COVERAGE_TTL + 1
    assert cache.get(COVERAGE_CACHE_KEY) is None
    assert coverage_data().covered == 2
    assert coverage.COVERAGE_REFRESH_AFTER < COVERAGE_TTL <= 60


def test_an_invalidation_in_another_process_is_seen_within_seconds(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(coverage, "time", clock)
    assert coverage_data().covered == 0
    MemberFactory(local_government=local_government(CHIYODA))
    cache.delete(COVERAGE_CACHE_KEY)  # what coverage_invalidate() in another process does
    assert coverage_data().covered == 0  # this process still uses its copy...
    clock.offset = coverage.COVERAGE_LOCAL_SECONDS + 0.1
    assert coverage_data().covered == 1  # ...for a couple of seconds at most
    assert coverage.COVERAGE_LOCAL_SECONDS <= 5


def test_a_result_computed_before_an_invalidation_is_not_used():
    stale = coverage.compute(generation=cache.get(coverage.COVERAGE_GENERATION_KEY))
    MemberFactory(local_government=local_government(CHIYODA))
    coverage_invalidate()
    # The slow computation stores its (old) result after the invalidation.
    cache.set(COVERAGE_CACHE_KEY, stale, timeout=COVERAGE_TTL)
    assert coverage_data().covered == 1


def test_only_one_caller_refreshes_a_stale_entry(monkeypatch, django_assert_num_queries):
    clock = _Clock()
    monkeypatch.setattr(coverage, "time", clock)
    first = coverage_data()
    clock.offset = coverage.COVERAGE_REFRESH_AFTER + 1
    cache.add(coverage.COVERAGE_LOCK_KEY, 1)  # another process is recomputing
    with django_assert_num_queries(0):
        assert coverage_data() == first  # keeps serving the current numbers
    cache.delete(coverage.COVERAGE_LOCK_KEY)
    clock.offset += coverage.COVERAGE_LOCAL_SECONDS + 1
    with django_assert_num_queries(3):  # members, local governments, basis
        refreshed = coverage_data()
    assert refreshed.computed_at >= first.computed_at


def test_after_an_invalidation_others_wait_for_the_one_computing(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(coverage, "time", clock)
    coverage_data()
    coverage_invalidate()
    cache.add(coverage.COVERAGE_LOCK_KEY, 1)  # someone is computing...
    computed = []
    real_store = coverage._store

    def store_later(generation):
        computed.append(generation)
        return real_store(generation)

    monkeypatch.setattr(coverage, "_store", store_later)
    # ...and never stores: after waiting a second, this caller computes it itself.
    data = coverage_data()
    assert computed == [cache.get(coverage.COVERAGE_GENERATION_KEY)]
    assert data.generation == computed[0]
    assert clock.offset >= 1.0


def test_recomputing_unchanged_numbers_keeps_the_version_and_last_update():
    MemberFactory(local_government=local_government(CHIYODA))
    first = coverage_data()
    coverage_invalidate()
    second = coverage_data()
    assert second.version == first.version
    assert second.updated_at == first.updated_at


def test_a_withdrawal_is_reflected_after_invalidation():
    member = MemberFactory(local_government=local_government(CHIYODA))
    assert covered_codes() == {CHIYODA}
    member.status, member.is_active = User.Status.WITHDRAWN, False
    member.save()
    assert covered_codes() == frozenset()


def test_the_rows_are_reloaded_in_a_new_process_with_one_query(django_assert_num_queries):
    data = coverage_data()
    coverage.forget()  # what a freshly started worker looks like
    with django_assert_num_queries(1):
        rows = coverage.rows(data)
    assert len(rows) == 1788
    with django_assert_num_queries(0):
        coverage.rows(data)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ちよだ", "千代田区"),
        ("チヨダ", "千代田区"),
        ("ﾁﾖﾀﾞ", "千代田区"),  # half-width kana
        ("千代田", "千代田区"),
        ("東京都千代田区", "千代田区"),
        ("  ちよだ く ", "千代田区"),
        ("さっぽろ", "札幌市"),
    ],
)
def test_search_by_name_or_reading(query, expected):
    result = coverage_search(coverage_data(), query)
    assert expected in [row.name for row, _covered in result.rows]


def test_search_within_a_prefecture_and_with_no_hits():
    data = coverage_data()
    assert coverage_search(data, "ちよだ", prefecture="01").count == 0
    assert coverage_search(data, "存在しない町").count == 0
    assert coverage_search(data, "").count == 0
    many = coverage_search(data, "シ")
    assert many.count > selectors.SEARCH_LIMIT
    assert len(many.rows) == selectors.SEARCH_LIMIT


def test_normalize_query():
    assert normalize_query("ちよだ") == "チヨダ"
    assert normalize_query("ｻｯﾎﾟﾛ") == "サッポロ"
    assert normalize_query(" 北 海道 ") == "北海道"


def test_prefecture_table_sorts():
    MemberFactory(local_government=local_government("472018"))  # 那覇市
    MemberFactory(local_government=local_government(CHIYODA))
    data = coverage_compute()
    by_rate = coverage_prefecture_table(data, sort="-rate")
    assert [p.code for p in by_rate[:2]] == ["47", "13"]  # 1/42 > 1/63
    assert [p.code for p in coverage_prefecture_table(data)][:3] == ["01", "02", "03"]
    assert coverage_prefecture_table(data, sort="-code")[0].code == "47"
    assert coverage_prefecture_table(data, sort="-total")[0].code == "01"
    assert coverage_prefecture_table(data, sort="garbage")[0].code == "01"
    assert len(by_rate) == 47
