"""Who counts for coverage: decided by accounts (one selector), received by municipalities.

Issue 9 item 7: a change of affiliation waiting for staff review counts for the old local
government until staff verify it. Issue 11 §1: municipalities ↔ accounts without a cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from accounts import services as account_services
from accounts.selectors import members_per_local_government
from municipalities import coverage
from municipalities.services import coverage_invalidate
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory, local_government

pytestmark = pytest.mark.django_db

CHIYODA, SAPPORO = "131016", "011002"
ROOT = Path(__file__).resolve().parents[2]


def page_counts(client) -> tuple[int, int]:
    page = client.get("/coverage/").content.decode()
    covered = int(re.search(r'data-testid="covered">([\d,]+)<small>', page).group(1))
    members = int(re.search(r'data-testid="members">([\d,]+)<small>', page).group(1))
    return covered, members


def covered_codes() -> frozenset[str]:
    coverage_invalidate()
    return coverage.data().covered_codes


@pytest.fixture
def staff():
    return StaffFactory(local_government=None, affiliation_type="")


@pytest.fixture
def approved(staff, django_capture_on_commit_callbacks):
    """A member approved by staff for 千代田区 (the approval verifies the affiliation)."""
    applicant = ApplicantFactory(local_government=local_government(CHIYODA))
    with django_capture_on_commit_callbacks(execute=True):
        account_services.application_approve(user_id=applicant.pk, actor=staff)
    return applicant


def test_a_move_waiting_for_review_counts_for_the_old_local_government_until_verified(
    client, staff, approved, django_capture_on_commit_callbacks
):
    assert covered_codes() == {CHIYODA}
    assert page_counts(client) == (1, 1)
    page_before = client.get("/coverage/", {"prefecture": "13"}).content.decode()
    assert "千代田区" in page_before.split('id="cov-yes-title"')[1].split('id="cov-no-title"')[0]

    with django_capture_on_commit_callbacks(execute=True):
        account_services.profile_update(
            user=approved, data={"local_government": local_government(SAPPORO)}
        )
    approved.refresh_from_db()
    assert approved.affiliation_review_pending
    assert approved.local_government.code == SAPPORO
    # Not yet verified: the old one still counts, the new one does not.
    assert coverage.data().covered_codes == {CHIYODA}
    json_rows = {r["code"]: r["covered"] for r in client.get("/coverage/data.json").json()}
    assert json_rows[CHIYODA] is True and json_rows[SAPPORO] is False
    assert page_counts(client) == (1, 1)

    # Staff verify: the count switches at once (the service invalidates after commit).
    with django_capture_on_commit_callbacks(execute=True):
        account_services.affiliation_verify(user_id=approved.pk, actor=staff)
    assert coverage.data().covered_codes == {SAPPORO}
    json_rows = {r["code"]: r["covered"] for r in client.get("/coverage/data.json").json()}
    assert json_rows[CHIYODA] is False and json_rows[SAPPORO] is True
    assert page_counts(client) == (1, 1)


def test_a_pending_move_to_a_ministry_keeps_the_old_local_government(
    staff, approved, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.profile_update(
            user=approved, data={"affiliation_type": "ministry", "ministry": "総務省"}
        )
    assert coverage.data().covered_codes == {CHIYODA}
    assert coverage.data().members == 1
    with django_capture_on_commit_callbacks(execute=True):
        account_services.affiliation_verify(user_id=approved.pk, actor=staff)
    assert coverage.data().covered_codes == frozenset()
    assert coverage.data().members == 1


def test_a_pending_move_from_a_ministry_covers_nothing_until_verified(
    staff, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(
        affiliation_type="ministry", local_government=None, ministry="総務省"
    )
    with django_capture_on_commit_callbacks(execute=True):
        account_services.application_approve(user_id=applicant.pk, actor=staff)
        account_services.profile_update(
            user=applicant,
            data={
                "affiliation_type": "local_government",
                "ministry": "",
                "local_government": local_government(SAPPORO),
            },
        )
    assert coverage.data().covered_codes == frozenset()
    assert coverage.data().members == 1
    with django_capture_on_commit_callbacks(execute=True):
        account_services.affiliation_verify(user_id=applicant.pk, actor=staff)
    assert coverage.data().covered_codes == {SAPPORO}


def test_a_second_move_while_the_first_was_verified_counts_the_first(
    staff, approved, django_capture_on_commit_callbacks
):
    """The last *verified* affiliation counts, not the first one ever."""
    with django_capture_on_commit_callbacks(execute=True):
        account_services.profile_update(
            user=approved, data={"local_government": local_government(SAPPORO)}
        )
        account_services.affiliation_verify(user_id=approved.pk, actor=staff)
        account_services.profile_update(
            user=approved, data={"local_government": local_government("472018")}
        )
    assert coverage.data().covered_codes == {SAPPORO}


def test_counting_is_one_query_with_pending_members(django_assert_num_queries, staff):
    for code in (CHIYODA, SAPPORO, "472018"):
        MemberFactory(local_government=local_government(code))
    pending = MemberFactory(local_government=local_government("130001"))
    pending.affiliation_review_pending = True
    pending.save()
    with django_assert_num_queries(1):
        groups = members_per_local_government()
    assert sum(n for _lg, n in groups) == 4  # the staff account is not a member here
    with django_assert_num_queries(3):  # members, local governments, the basis (renewals)
        data = coverage.compute()
    assert data.covered_codes == {CHIYODA, SAPPORO, "472018"}  # no verified record: nowhere


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(name, id(node) in top) for name in names]
    return found


def test_municipalities_never_imports_accounts():
    offenders = [
        (path.relative_to(ROOT).as_posix(), module)
        for path in sorted((ROOT / "municipalities").rglob("*.py"))
        for module, _top in _imports(path)
        if module == "accounts" or module.startswith("accounts.")
    ]
    assert offenders == []


def test_accounts_tells_coverage_through_one_call_imported_at_module_level():
    imports = _imports(ROOT / "accounts" / "services.py")
    coverage_imports = [(m, top) for m, top in imports if m.startswith("municipalities")]
    assert coverage_imports == [("municipalities.services", True)]
    assert account_services.coverage_invalidate is coverage_invalidate
    # And coverage reads the members through accounts' one selector.
    assert coverage._members_source == [members_per_local_government]
