"""Issue 10 §13: the application form: narrowing selects, errors name their field and
outline only the fields in error, 職種 has no default."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.forms import ApplicationForm, ProfileForm
from accounts.models import User
from tests.accounts.test_views import VALID, post_application
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
S = User.Status

REQUIRED_MESSAGES = {
    "full_name": "氏名を入力してください。",
    "full_name_kana": "フリガナを入力してください。",
    "affiliation_type": "所属の種類を選んでください。",
    "department": "部署を入力してください。",
    "job_type": "職種を選んでください。",
}


@pytest.mark.parametrize("form_class", [ApplicationForm, ProfileForm])
def test_every_required_field_names_itself(form_class):
    form = form_class(data={})
    assert not form.is_valid()
    required = {name for name, field in form.fields.items() if field.required}
    expected = dict(REQUIRED_MESSAGES)
    if form_class is ApplicationForm:
        expected["agree"] = "参加には、ルールへの同意が必要です。"
    assert required == set(expected)
    for name, message in expected.items():
        assert form.errors[name] == [message], name
    assert "このフィールドは必須です。" not in str(form.errors)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"department": "あ" * 101}, "部署は100文字以内で入力してください（いま101文字です）。"),
        ({"work_email": "not-an-email"}, "職場のメールアドレスの形式が正しくありません"),
        ({"job_type": "astronaut"}, "職種は一覧から選んでください。"),
        ({"local_government": ""}, "所属する自治体を選んでください。"),
    ],
)
def test_other_errors_name_the_field_too(client, changes, message):
    client.force_login(UserFactory(status=S.DRAFT))
    response = post_application(client, **changes)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_job_type_has_no_default_and_must_be_chosen(client):
    client.force_login(UserFactory(status=S.DRAFT, job_type=""))
    html = client.get(reverse("application_edit")).content.decode()
    select = re.search(r'<select name="job_type".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="" selected>職種を選ぶ</option>', select)
    assert select.count("selected") == 1
    response = post_application(client, job_type="")
    assert response.status_code == 422
    assert "職種を選んでください。" in response.content.decode()


def test_only_the_fields_in_error_are_marked_invalid(client):
    client.force_login(UserFactory(status=S.DRAFT))
    html = post_application(client, department="", local_government="").content.decode()
    invalid = re.findall(r'<(?:input|select|textarea)[^>]*aria-invalid="true"[^>]*>', html)
    names = sorted(re.search(r'name="([^"]+)"', tag).group(1) for tag in invalid)
    assert names == ["department", "local_government"]
    # Each points at its own message.
    assert 'aria-describedby="id_department_error"' in html
    assert 'id="id_department_error"' in html
    assert 'aria-describedby="lg-help id_local_government_error"' in html


def test_a_search_narrowed_to_one_local_government_selects_it(client):
    client.force_login(UserFactory(status=S.DRAFT))
    url = reverse("local_government_options")
    html = client.get(url, {"q": "ちよだく"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'<option value="(\d{6})"', html) == ["131016"]
    assert re.search(r'<option value="131016" selected>千代田区', html)
    # More than one: nothing chosen for the applicant.
    html = client.get(url, {"q": "府中"}, HTTP_HX_REQUEST="true").content.decode()
    assert len(re.findall(r'<option value="\d{6}"', html)) > 1 and " selected>" not in html


def test_profile_form_names_fields_as_well(client):
    client.force_login(MemberFactory())
    data = {**VALID, "department": "", "full_name": ""}
    data.pop("agree")
    response = client.post(reverse("profile_edit"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "部署を入力してください。" in html and "氏名を入力してください。" in html
    assert "このフィールドは必須です" not in html
