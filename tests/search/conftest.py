"""The shared search corpus: two sections (one 課員のみ), topics, replies (one deleted,
one hidden), a hidden topic, 参考Q&A entries (published or not), a meeting, trainings
(for everyone / for 保健師 / for one 課) and a broadcast episode with a guest, all
written through the services; and the roles that search it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from broadcasts import search_docs as broadcast_docs
from discussions import services as ds
from discussions.models import SectionSetting
from sections import search_docs as section_docs
from sections import services as section_services
from sections.models import SectionMembership
from tests.factories import (
    DepartmentFactory,
    EpisodeFactory,
    GuestFactory,
    MemberFactory,
    SectionFactory,
    StaffFactory,
)
from trainings import services as training_services

BASE = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)


@dataclass
class Corpus:
    roles: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # (kind, object id) → label
    objects: dict = field(default_factory=dict)  # label → object

    def add(self, kind: str, label: str, obj) -> None:
        assert label not in self.objects, label
        self.labels[(kind, obj.pk)] = label
        self.objects[label] = obj


def _at(n: int) -> dt.datetime:
    return BASE + dt.timedelta(hours=n)


def build_corpus(settings) -> Corpus:
    settings.DISCUSSIONS_RATE_LIMIT = 100_000
    c = Corpus()
    dept = DepartmentFactory(name="危機管理部")
    open_sec = SectionFactory(
        department=dept,
        name="防災対策検証課",
        slug="search-bousai",
        description="避難所の運営と防災訓練、条例の改正について話し合う課です。",
    )
    closed_sec = SectionFactory(
        name="税務検証課", slug="search-zeimu", description="住民税と固定資産税の実務。"
    )
    head = MemberFactory(full_name="防災 課長", job_type="general")
    insider = MemberFactory(full_name="課内 会員", job_type="general")
    outsider = MemberFactory(full_name="課外 会員", job_type="general")
    leaver = MemberFactory(full_name="退出 会員", job_type="general")
    nurse = MemberFactory(full_name="保健 会員", job_type="public_health_nurse")
    staff = StaffFactory(full_name="事務 局員")
    for section in (open_sec, closed_sec):
        SectionMembership.objects.create(section=section, user=head, role="head")
    SectionMembership.objects.create(section=closed_sec, user=insider, role="member")
    SectionMembership.objects.create(section=closed_sec, user=leaver, role="member")
    SectionMembership.objects.create(section=open_sec, user=nurse, role="member")
    SectionMembership.objects.create(section=open_sec, user=outsider, role="member")
    section_docs.index_sections([open_sec.pk, closed_sec.pk])  # what the admin's save does
    c.add("section", "sec:防災対策課", open_sec)
    c.add("section", "sec:税務課", closed_sec)

    n = 0

    def topic(section, label, title, body, author=head, kind="question"):
        nonlocal n
        n += 1
        t = ds.topic_create(
            section_id=section.pk, author=author, kind=kind, title=title, body=body, now=_at(n)
        ).topic
        c.add("topic", label, t)
        return t

    def reply(t, label, body, author=head):
        nonlocal n
        n += 1
        p = ds.reply_create(topic_id=t.pk, author=author, body=body, now=_at(n)).post
        c.add("post", label, p)
        return p

    t1 = topic(
        open_sec,
        "t:接種予約",
        "ワクチン接種の予約方法",
        "コロナワクチンの予約は電話とWebで受け付けています。",
    )
    reply(t1, "r:接種予約1", "うちではLGWAN接続の端末から予約システムに入ります。")
    answer = reply(t1, "r:接種予約2", "予約枠は2024年度から拡大しました。", author=outsider)
    ds.answer_mark(topic_id=t1.pk, post_id=answer.pk, actor=head)
    topic(
        open_sec, "t:ｺﾛﾅ", "ｺﾛﾅ対策の窓口", "半角カナで書かれた相談です。ＤＸで窓口を減らせますか。"
    )
    topic(
        open_sec,
        "t:防災訓練",
        "防災訓練と避難所の開設",
        "毎年9月に避難訓練を行います。人々の参加が課題です。",
    )
    topic(
        open_sec,
        "t:条例改正",
        "条例改正の手続き",
        "パブリックコメントを経て条例を改正します。",
        kind="share",
    )
    t5 = topic(
        open_sec,
        "t:マイナンバー",
        "マイナンバーカードの交付",
        "まいなんばーかーどの交付予約が混み合っています。",
    )
    reply(t5, "r:マイナンバー", "COVID-19の時期は交付を延期しました。")
    deleted = reply(t5, "r:削除済み", "この返信には削除キーワードがあります。")
    ds.post_delete(post_id=deleted.pk, actor=head)
    hidden = reply(t5, "r:非表示", "この返信には隠語ひみつがあります。", author=outsider)
    ds.post_set_hidden(post_id=hidden.pk, reason="spam")
    th = topic(open_sec, "t:非表示話題", "隠された話題", "ひみつの相談です。", author=outsider)
    ds.post_set_hidden(post_id=th.posts.get(number=1).pk, reason="inappropriate")
    td = topic(open_sec, "t:削除話題", "削除された話題", "削除キーワードの話題。")
    ds.topic_delete(topic_id=td.pk, actor=head)
    topic(open_sec, "t:DX推進", "DX推進計画", "自治体DXの推進と住民票のオンライン申請。")
    topic(open_sec, "t:dx小文字", "dxって何？", "ｄｘの読み方を教えてください。")
    topic(
        open_sec, "t:住民票", "住民票の写しの交付", "窓口での住民票交付について。税証明も同時に。"
    )
    topic(open_sec, "t:英単語", "A to Z of data", "a data-driven approach for covid response")

    # 課員のみ: set before and after writing, both paths must keep the index right.
    ds.section_reading_set(
        section_id=closed_sec.pk, actor=head, reading=SectionSetting.Reading.SECTION
    )
    tz = topic(
        closed_sec, "t:税務機密", "固定資産税の評価替え", "機密の評価資料を共有します。税務の相談。"
    )
    reply(tz, "r:税務機密", "評価替えは3年ごとです。接種とは関係ありません。")
    topic(closed_sec, "t:税務条例", "税条例の改正", "条例と税務の関係。")

    entry_pub = ds.entry_create(
        section_id=closed_sec.pk,
        actor=head,
        title="住民税の申告期限は？",
        question="",
        answer="毎年3月15日です。税務署と同じです。",
        now=_at(50),
    )
    ds.entry_publish(entry_id=entry_pub.pk, actor=staff)
    c.add("entry", "e:公開", entry_pub)
    entry_priv = ds.entry_create(
        section_id=closed_sec.pk,
        actor=head,
        title="非公開の評価メモ",
        question="評価替えの内部手順",
        answer="機密の手順です。",
        now=_at(51),
    )
    c.add("entry", "e:非公開", entry_priv)
    entry_open = ds.entry_create(
        section_id=open_sec.pk,
        actor=head,
        title="避難所の開設手順",
        question="防災訓練で確認すること",
        answer="鍵の保管場所と備蓄品の確認です。",
        now=_at(52),
    )
    c.add("entry", "e:避難所", entry_open)

    start = timezone.now() + dt.timedelta(days=10)
    meeting = section_services.meeting_create(
        section_id=open_sec.pk,
        actor=head,
        title="防災定例会",
        description="議題: 避難所の備蓄と訓練計画",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        format="online",
        join_url="https://meet.example.jp/room",
    )
    c.add("meeting", "m:定例会", meeting)

    def training(label, title, description, **kw):
        t = training_services.training_create(
            title=title,
            description=description,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            join_url="https://meet.example.jp/t",
            **kw,
        )
        c.add("training", label, t)
        return t

    training("tr:全員", "公文書管理の基礎", "条例と規則の読み方を学ぶ研修です。")
    training(
        "tr:保健師",
        "保健師のための接種体制研修",
        "ワクチン接種会場の運営。",
        audience="job_types",
        audience_job_types=["public_health_nurse"],
    )
    training(
        "tr:税務課",
        "税務課向け評価研修",
        "固定資産の評価。",
        audience="sections",
        audience_sections=[closed_sec],
    )

    episode = EpisodeFactory(
        title="防災ラジオ特集", personalities="山田 花子", description="避難の心得。"
    )
    GuestFactory(episode=episode, name="鈴木 防人", affiliation="消防局")
    broadcast_docs.index_episodes([episode.pk])  # what the admin's save does
    c.add("episode", "ep:防災ラジオ", episode)

    section_services.section_leave(section_id=closed_sec.pk, user=leaver)  # left 課員のみ
    c.roles = {
        "anonymous": AnonymousUser(),
        "outsider": outsider,
        "insider": insider,
        "leaver": leaver,
        "nurse": nurse,
        "head": head,
        "staff": staff,
    }
    return c


@pytest.fixture
def corpus(db, settings) -> Corpus:
    return build_corpus(settings)
