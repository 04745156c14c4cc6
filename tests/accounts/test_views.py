import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import AffiliationRecord, User
from outbox.models import OutgoingMail
from tests.factories import ApplicantFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
S = User.Status

VALID = {
    "full_name": "横糸 花子",
    "full_name_kana": "よこいと はなこ",
    "affiliation_type": "local_government",
    "prefecture": "01",
    "local_government": "011002",
    "department": "企画部 企画課",
    "position": "",
    "job_type": "general",
    "work_email": "",
    "introduction": "<script>alert('x')</script>よろしく",
    "agree": "on",
}


@pytest.fixture
def draft(client):
    user = UserFactory(status=S.DRAFT)
    client.force_login(user)
    return user


def post_application(client, **changes):
    data = {**VALID, **changes}
    return client.post(
        reverse("application_edit"), {k: v for k, v in data.items() if v is not None}
    )


def test_signup_verification_and_application_flow(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new@city.sapporo.lg.jp",
                "password1": "Yoko-ito-2026!",
                "password2": "Yoko-ito-2026!",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="new@city.sapporo.lg.jp")
    assert user.status == S.UNVERIFIED
    # allauth's mail went through the outbox and was delivered synchronously.
    row = OutgoingMail.objects.get(to_email=user.email)
    assert row.status == OutgoingMail.Status.SENT and row.template.startswith("allauth:")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client.post(link.group(1))
    assert response.status_code == 302 and response["Location"] == reverse("application_edit")
    user.refresh_from_db()
    assert user.status == S.DRAFT
    assert client.get(reverse("application_edit")).status_code == 200
    response = post_application(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.status == S.SUBMITTED and user.full_name_kana == "ヨコイト ハナコ"


def test_unverified_user_cannot_log_in_until_verified(client):
    user = UserFactory(status=S.UNVERIFIED, email="u@x.lg.jp")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "pass-1234-word"}
    )
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert client.get(reverse("application_edit")).status_code == 302


def test_duplicate_email_at_signup_is_a_clear_400(client):
    UserFactory(email="taken@city.example.lg.jp")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Taken@city.example.lg.jp",
            "password1": "Yoko-ito-2026!",
            "password2": "Yoko-ito-2026!",
        },
    )
    assert response.status_code == 400
    assert "このメールアドレスでアカウント登録済みです" in response.content.decode()
    assert User.objects.filter(email__iexact="taken@city.example.lg.jp").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name_kana": "Yokoito"}, "full_name_kana", "全角カタカナ"),
        ({"local_government": "999999"}, "local_government", "見つかりません"),
        (
            {"local_government": "131016"},
            "local_government",
            "所属する自治体が、選んだ都道府県のものではありません",
        ),
        ({"local_government": ""}, "local_government", "選んでください"),
        ({"full_name": "あ" * 61}, "full_name", "60"),
        ({"introduction": "あ" * 1001}, "introduction", "1000"),
        ({"agree": None}, "agree", "同意"),
        (
            {"affiliation_type": "ministry", "ministry": "架空省"},
            "ministry",
            "府省庁は一覧から選んでください",
        ),
        ({"affiliation_type": "other", "other_body": ""}, "other_body", "名称を入力"),
        ({"work_email": "not-an-email"}, "work_email", "メールアドレス"),
    ],
)
def test_bad_application_input_is_a_422_and_nothing_is_saved(
    client, draft, changes, field, message
):
    response = post_application(client, **changes)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html, html[html.find("errorlist") - 200 : html.find("errorlist") + 400]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.full_name != "横糸 花子"


def test_introduction_script_is_shown_escaped(client, draft):
    post_application(client)
    html = client.get(reverse("application_status")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_another_users_id_in_the_post_changes_only_your_own_application(client, draft):
    victim = ApplicantFactory(full_name="被害 者")
    response = post_application(
        client, id=victim.pk, user=victim.pk, pk=victim.pk, email=victim.email
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    draft.refresh_from_db()
    assert victim.full_name == "被害 者" and draft.full_name == "横糸 花子"
    assert draft.email != victim.email


def test_applicant_can_edit_while_waiting_and_after_needs_info(client):
    user = ApplicantFactory(status=S.NEEDS_INFO, status_message="部署名を正式に")
    client.force_login(user)
    page = client.get(reverse("application_edit")).content.decode()
    assert "部署名を正式に" in page
    assert post_application(client, department="企画部 企画調整課").status_code == 302
    user.refresh_from_db()
    assert user.status == S.SUBMITTED and user.department == "企画部 企画調整課"


def test_rejected_applicant_cannot_edit(client):
    client.force_login(ApplicantFactory(status=S.REJECTED))
    response = client.get(reverse("application_edit"))
    assert response.status_code == 302 and response["Location"] == reverse("application_status")


def test_local_government_options_by_prefecture_and_kana(client, draft):
    html = client.get(reverse("local_government_options"), {"prefecture": "13"}).content.decode()
    assert "東京都（都道府県庁）" in html and "千代田区" in html and "札幌市" not in html
    html = client.get(reverse("local_government_options"), {"q": "ちよだ"}).content.decode()
    assert 'value="131016"' in html
    html = client.get(reverse("local_government_options"), {"q": "存在しない町"}).content.decode()
    assert "該当する自治体がありません" in html


def test_directory_search_and_profile(client, django_assert_max_num_queries):
    me = MemberFactory()
    MemberFactory.create_batch(40, department="道路課")
    target = MemberFactory(
        full_name="検索 対象", full_name_kana="ケンサク タイショウ", job_type="fire"
    )
    ApplicantFactory(full_name="申請中 の人")
    client.force_login(me)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("directory"), {"q": "けんさく"})
    html = response.content.decode()
    assert "検索 対象" in html and "申請中" not in html
    response = client.get(reverse("directory"), {"job_type": "fire"}, HTTP_HX_REQUEST="true")
    assert "検索 対象" in response.content.decode() and "<html" not in response.content.decode()
    page2 = client.get(reverse("directory"), {"page": 2}).content.decode()
    assert "2 / 2 ページ" in page2
    assert client.get(reverse("profile", args=[target.pk])).status_code == 200
    pending = ApplicantFactory()
    assert client.get(reverse("profile", args=[pending.pk])).status_code == 404


def test_profile_edit_records_a_move(client):
    member = MemberFactory()
    client.force_login(member)
    data = {**VALID, "effective_on": "2026-04-01"}
    data.pop("agree")
    response = client.post(reverse("profile_edit"), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.local_government.code == "011002" and member.affiliation_review_pending
    assert member.is_member
    assert AffiliationRecord.objects.filter(user=member, started_on="2026-04-01").exists()


def test_withdraw_needs_confirmation_then_logs_out(client):
    member = MemberFactory()
    client.force_login(member)
    assert client.post(reverse("withdraw"), {}).status_code == 422
    member.refresh_from_db()
    assert member.status == S.APPROVED
    response = client.post(reverse("withdraw"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("landing")
    member.refresh_from_db()
    assert member.status == S.WITHDRAWN and not member.is_active
    assert client.get(reverse("home")).status_code == 302
