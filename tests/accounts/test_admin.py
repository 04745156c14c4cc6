import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrustedDomain, User
from core.staff_roles import OPERATIONS, VETTING
from outbox.models import OutgoingMail
from tests.factories import ApplicantFactory, MemberFactory, StaffFactory, local_government

pytestmark = pytest.mark.django_db
S = User.Status
QUEUE = reverse("admin:accounts_application_changelist")


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


def test_queue_lists_submitted_oldest_first_with_wait_and_domain(
    staff_client, django_assert_max_num_queries
):
    TrustedDomain.objects.create(
        domain="city.sapporo.lg.jp", local_government=local_government("011002")
    )
    now = timezone.now()
    newer = ApplicantFactory(
        full_name="新しい 申請", submitted_at=now - timezone.timedelta(hours=3)
    )
    older = ApplicantFactory(
        full_name="古い 申請",
        email="old@city.sapporo.lg.jp",
        submitted_at=now - timezone.timedelta(hours=50),
    )
    ApplicantFactory.create_batch(20)
    ApplicantFactory(full_name="差し戻し 中", status=S.NEEDS_INFO)
    MemberFactory(full_name="入庁 済み")
    with django_assert_max_num_queries(15):
        html = staff_client.get(QUEUE).content.decode()
    assert html.index("古い 申請") < html.index("新しい 申請")
    assert "差し戻し 中" not in html and "入庁 済み" not in html
    assert "2日2時間（超過）" in html
    assert "city.sapporo.lg.jp（北海道札幌市）" in html
    assert older and newer


def test_queue_filters_and_search(staff_client):
    TrustedDomain.objects.create(domain="lg.jp")
    ApplicantFactory(full_name="信頼 ドメイン", email="a@city.x.lg.jp")
    ApplicantFactory(full_name="フリー メール", email="b@mail.example.com")
    ApplicantFactory(full_name="差し戻し 中", status=S.NEEDS_INFO)
    html = staff_client.get(QUEUE, {"domain": "trusted"}).content.decode()
    assert "信頼 ドメイン" in html and "フリー メール" not in html
    html = staff_client.get(QUEUE, {"state": "needs_info"}).content.decode()
    assert "差し戻し 中" in html and "信頼 ドメイン" not in html
    html = staff_client.get(QUEUE, {"q": "フリー"}).content.decode()
    assert "フリー メール" in html and "信頼 ドメイン" not in html
    html = staff_client.get(
        QUEUE, {"local_government__prefecture__code__exact": "01"}
    ).content.decode()
    assert "信頼 ドメイン" not in html  # factories use 千代田区 (13)


def test_detail_shows_answers_and_history(staff_client):
    applicant = ApplicantFactory(introduction="保健師として働いています")
    from accounts import services

    services.application_request_info(
        user_id=applicant.pk, actor=staff_client.staff, message="所属は？"
    )
    html = staff_client.get(
        reverse("admin:accounts_application_change", args=[applicant.pk])
    ).content.decode()
    assert "保健師として働いています" in html and "所属は？" in html
    assert "審査・状態の履歴" in html


def test_approve_from_the_detail_page(staff_client):
    applicant = ApplicantFactory()
    url = reverse("admin:accounts_application_approve", args=[applicant.pk])
    assert staff_client.get(url).status_code == 302  # GET changes nothing
    applicant.refresh_from_db()
    assert applicant.status == S.SUBMITTED
    staff_client.post(url)
    applicant.refresh_from_db()
    assert applicant.status == S.APPROVED
    assert (
        OutgoingMail.objects.filter(to_email=applicant.email, template="vetting_approved").count()
        == 1
    )


def test_bulk_approve(staff_client):
    applicants = ApplicantFactory.create_batch(3)
    member = MemberFactory()
    staff_client.post(
        QUEUE + "?state=all",
        {"action": "action_approve", "_selected_action": [a.pk for a in applicants]},
    )
    assert User.objects.filter(pk__in=[a.pk for a in applicants], status=S.APPROVED).count() == 3
    assert OutgoingMail.objects.filter(template="vetting_approved").count() == 3
    assert member.status == S.APPROVED


def test_reject_asks_for_a_reason_then_mails(staff_client):
    applicant = ApplicantFactory()
    url = reverse("admin:accounts_application_reject", args=[applicant.pk])
    page = staff_client.get(url).content.decode()
    assert "申請を不承認にする" in page
    response = staff_client.post(url, {"apply": "1", "reason": "", "message": ""})
    assert response.status_code == 200  # the form again, with an error
    applicant.refresh_from_db()
    assert applicant.status == S.SUBMITTED
    staff_client.post(url, {"apply": "1", "reason": "not_public_servant", "message": "在職証明を"})
    applicant.refresh_from_db()
    assert applicant.status == S.REJECTED
    assert "在職証明を" in OutgoingMail.objects.get(template="vetting_rejected").body


def test_bulk_request_info(staff_client):
    applicants = ApplicantFactory.create_batch(2)
    staff_client.post(
        QUEUE,
        {
            "action": "action_request_info",
            "_selected_action": [a.pk for a in applicants],
            "apply": "1",
            "message": "部署の正式名称を教えてください",
        },
    )
    assert User.objects.filter(status=S.NEEDS_INFO).count() == 2
    assert OutgoingMail.objects.filter(template="vetting_needs_info").count() == 2


def test_suspend_and_reinstate_in_the_admin(staff_client):
    member = MemberFactory()
    url = reverse("admin:accounts_user_suspend", args=[member.pk])
    staff_client.post(url, {"apply": "1", "reason": "conduct", "message": ""})
    member.refresh_from_db()
    assert member.status == S.SUSPENDED
    staff_client.post(reverse("admin:accounts_user_reinstate", args=[member.pk]))
    member.refresh_from_db()
    assert member.status == S.APPROVED


def test_outbox_is_visible_to_staff(staff_client):
    ApplicantFactory()
    from outbox.services import mail_enqueue

    mail_enqueue(to="x@y.lg.jp", template="vetting_approved", context={"name": "X"})
    html = staff_client.get(reverse("admin:outbox_outgoingmail_changelist")).content.decode()
    assert "x@y.lg.jp" in html


@pytest.mark.parametrize("object_id", ["abc", "1.5", "99999999999999999999"])
@pytest.mark.parametrize("route", ["accounts/application/{}/approve/", "accounts/user/{}/suspend/"])
def test_single_object_actions_answer_404_to_a_tampered_id(staff_client, object_id, route):
    # get_object_or_404(pk="abc") raised ValueError (500); the admin's get_object does not.
    response = staff_client.post("/admin/" + route.format(object_id))
    assert response.status_code == 404


# --- after a transition on the application's page: back on the queue (issue 10 item 2) --
FILTERS = "?_changelist_filters=state%3Dsubmitted%26affiliation_type__exact%3Dlocal_government"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approving_on_the_page_lands_on_the_queue_with_only_the_success_message(staff_client):
    applicant = ApplicantFactory(full_name="承認 される人")
    page = staff_client.get(
        reverse("admin:accounts_application_change", args=[applicant.pk]) + FILTERS
    ).content.decode()
    approve = reverse("admin:accounts_application_approve", args=[applicant.pk])
    # The button carries the queue's filters.
    assert f'action="{approve}{FILTERS.replace("&", "&amp;")}"' in page
    response = staff_client.post(approve + FILTERS, follow=True)
    assert response.redirect_chain == [
        (QUEUE + "?state=submitted&affiliation_type__exact=local_government", 302)
    ]
    assert _messages(response) == ["1 件を「入庁」にしました。"]
    html = response.content.decode()
    assert "見つかりませんでした" not in html and "承認 される人" not in html
    applicant.refresh_from_db()
    assert applicant.status == S.APPROVED


@pytest.mark.parametrize(
    "name, data, status, label",
    [
        ("approve", {}, S.APPROVED, "入庁"),
        ("reject", {"apply": "1", "reason": "not_public_servant"}, S.REJECTED, "不承認"),
        ("request_info", {"apply": "1", "message": "所属は？"}, S.NEEDS_INFO, "差し戻し"),
    ],
)
def test_every_transition_on_the_page_lands_on_the_queue(staff_client, name, data, status, label):
    applicant = ApplicantFactory()
    url = reverse(f"admin:accounts_application_{name}", args=[applicant.pk])
    response = staff_client.post(url, data, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert _messages(response) == [f"1 件を「{label}」にしました。"]
    applicant.refresh_from_db()
    assert applicant.status == status


def test_a_transition_that_fails_lands_on_the_queue_with_the_reason(staff_client):
    waiting = ApplicantFactory(status=S.NEEDS_INFO)  # still in the queue, but not approvable
    url = reverse("admin:accounts_application_approve", args=[waiting.pk])
    response = staff_client.post(url, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert _messages(response) == [f"{waiting.email} は「差し戻し」のため、この操作はできません。"]
    waiting.refresh_from_db()
    assert waiting.status == S.NEEDS_INFO


# --- the buttons follow the permissions (issue 9 item 1) --------------------------------


def test_the_change_page_shows_only_the_transitions_the_staff_may_make(client):
    from tests.core.admin_world import staff

    applicant = ApplicantFactory()
    page_url = reverse("admin:accounts_application_change", args=[applicant.pk])
    viewer = staff()
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    html = client.get(page_url).content.decode()
    assert applicant.email in html
    assert "承認（入庁）" not in html and "不承認…" not in html and "差し戻し" not in html
    client.force_login(staff(VETTING))
    html = client.get(page_url).content.decode()
    assert "承認（入庁）" in html and "不承認…" in html and "確認事項を送る（差し戻し）" in html


def test_only_a_superuser_makes_a_superuser(client):
    from tests.core.admin_world import staff

    operations = staff(OPERATIONS)
    target = MemberFactory()
    client.force_login(operations)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    html = client.get(url).content.decode()
    assert 'name="is_staff"' in html and 'name="is_superuser"' not in html
    inlines = {f"{prefix}-{n}": "0" for prefix in ("status_changes", "affiliations")
               for n in ("TOTAL_FORMS", "INITIAL_FORMS")}  # fmt: skip
    response = client.post(url, {"is_staff": "on", "is_superuser": "on", **inlines})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff and not target.is_superuser
    # Nor do they change a superuser's account (its groups, its staff flag).
    boss = StaffFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[boss.pk]), {"groups": [], "is_staff": ""}
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.is_staff and boss.is_superuser
