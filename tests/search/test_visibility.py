"""Visibility per role at the moment of search: the index follows every change made
through the services (hide/unhide by moderation, delete, the section's reading
setting, leaving a section, a training's audience), and counts, snippets and 似た質問
show nothing else."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from discussions import services as ds
from discussions.models import SectionSetting
from search import selectors
from sections import services as section_services
from tests.factories import MemberFactory
from trainings import services as training_services


def _labels(corpus, user, q, **filters):
    page = selectors.search(user=user, filters=selectors.Filters(q=q, **filters))
    urls = {r.url for r in page.results}
    found = set()
    for label in corpus.labels.values():
        obj = corpus.objects[label]
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
        if url in urls:
            found.add(label)
    return page, found


def _html(page) -> str:
    return " ".join(f"{r.title} {r.snippet} {r.title_html}" for r in page.results)


def test_a_hidden_post_leaves_everyones_results_but_its_authors_and_comes_back(corpus):
    outsider, insider = corpus.roles["outsider"], corpus.roles["insider"]
    post = corpus.objects["r:接種予約1"]  # by the head, readable by all
    assert selectors.search(user=insider, filters=selectors.Filters(q="LGWAN")).count == 1
    ds.post_set_hidden(post_id=post.pk, reason="spam")  # what moderation calls
    for user in (outsider, insider, corpus.roles["staff"]):
        page = selectors.search(user=user, filters=selectors.Filters(q="LGWAN"))
        assert page.count == 0 and page.results == []
    assert (
        selectors.search(user=corpus.roles["head"], filters=selectors.Filters(q="LGWAN")).count == 1
    )
    ds.post_set_visible(post_id=post.pk)
    assert selectors.search(user=outsider, filters=selectors.Filters(q="LGWAN")).count == 1


def test_hiding_the_opening_post_hides_the_topic_and_its_replies(corpus):
    topic = corpus.objects["t:マイナンバー"]
    member = corpus.roles["insider"]
    before = selectors.search(user=member, filters=selectors.Filters(q="COVID-19")).count
    assert before == 1  # the reply
    opening = topic.posts.get(number=1)
    ds.post_set_hidden(post_id=opening.pk, reason="other")
    assert selectors.search(user=member, filters=selectors.Filters(q="マイナンバー")).count == 0
    assert selectors.search(user=member, filters=selectors.Filters(q="COVID-19")).count == 0
    similar = selectors.similar(user=member, title="マイナンバーカードの交付について")
    assert "マイナンバーカードの交付" not in [r.title for r in similar]
    ds.post_set_visible(post_id=opening.pk)
    assert selectors.search(user=member, filters=selectors.Filters(q="COVID-19")).count == 1


def test_deleted_things_are_found_by_no_one(corpus):
    staff = corpus.roles["staff"]
    assert selectors.search(user=staff, filters=selectors.Filters(q="削除キーワード")).count == 0
    topic = corpus.objects["t:条例改正"]
    assert (
        selectors.search(user=staff, filters=selectors.Filters(q="パブリックコメント")).count == 1
    )
    ds.topic_delete(topic_id=topic.pk, actor=corpus.roles["head"])
    assert (
        selectors.search(user=staff, filters=selectors.Filters(q="パブリックコメント")).count == 0
    )


def test_a_section_only_section_is_searched_by_its_members_and_staff_only(corpus):
    leaver, insider, staff = corpus.roles["leaver"], corpus.roles["insider"], corpus.roles["staff"]
    for user, n in ((insider, 2), (staff, 2), (leaver, 0), (corpus.roles["outsider"], 0)):
        page = selectors.search(user=user, filters=selectors.Filters(q="機密"))
        assert page.count == n, user
        if n == 0:
            assert "機密" not in _html(page)
    # The snippet shown to a reader is the text they may read.
    page = selectors.search(user=insider, filters=selectors.Filters(q="機密", kind="topic"))
    assert "<mark>機密</mark>" in str(page.results[0].snippet)
    # Opening the section to all members opens its topics to the search at once…
    closed = corpus.objects["sec:税務課"]
    head = corpus.roles["head"]
    ds.section_reading_set(section_id=closed.pk, actor=head, reading=SectionSetting.Reading.MEMBERS)
    # (the topic, and the entry that is not published: it follows the section's reading)
    assert selectors.search(user=leaver, filters=selectors.Filters(q="機密")).count == 2
    # …and closing it again closes them; the published entry stays readable by all.
    ds.section_reading_set(section_id=closed.pk, actor=head, reading=SectionSetting.Reading.SECTION)
    assert selectors.search(user=leaver, filters=selectors.Filters(q="機密")).count == 0
    assert selectors.search(user=leaver, filters=selectors.Filters(q="申告期限")).count == 1


def test_leaving_a_section_only_section_takes_its_topics_out_of_the_results(corpus):
    insider = corpus.roles["insider"]
    closed = corpus.objects["sec:税務課"]
    assert selectors.search(user=insider, filters=selectors.Filters(q="評価替え")).count == 3
    section_services.section_leave(section_id=closed.pk, user=insider)
    page = selectors.search(user=insider, filters=selectors.Filters(q="評価替え"))
    assert page.count == 0
    similar = selectors.similar(user=insider, title="固定資産税の評価替えの時期")
    assert [r.title for r in similar] == ["住民税の申告期限は?"]  # the published entry only


def test_trainings_not_open_to_the_members_job_type_are_not_found(corpus):
    nurse, outsider = corpus.roles["nurse"], corpus.roles["outsider"]
    assert selectors.search(user=nurse, filters=selectors.Filters(q="保健師")).count == 1
    assert selectors.search(user=outsider, filters=selectors.Filters(q="保健師")).count == 0
    # A change of the member's 職種 counts at the moment of search.
    outsider.job_type = "public_health_nurse"
    outsider.save(update_fields=["job_type"])
    assert selectors.search(user=outsider, filters=selectors.Filters(q="保健師")).count == 1
    # A change of the training's audience (through its service) too.
    training = corpus.objects["tr:保健師"]
    training_services.training_update(training_id=training.pk, audience_job_types=["fire"])
    assert selectors.search(user=nurse, filters=selectors.Filters(q="保健師")).count == 0
    # A training for one 課: its members only.
    assert (
        selectors.search(
            user=corpus.roles["insider"], filters=selectors.Filters(q="評価研修")
        ).count
        == 1
    )
    assert selectors.search(user=nurse, filters=selectors.Filters(q="評価研修")).count == 0


def test_visitors_and_applicants_find_nothing_but_published_entries(corpus):
    applicant = MemberFactory(status="submitted")
    for user in (AnonymousUser(), applicant):
        ids = selectors.matching_ids(user=user, q="税", kinds=["entry", "topic", "post"])
        assert ids == [corpus.objects["e:公開"].pk]
        assert selectors.search(user=user, filters=selectors.Filters(q="税")).count == 1


def test_similar_questions_are_readable_topics_and_entries_only(corpus):
    outsider = corpus.roles["outsider"]
    assert selectors.similar(user=outsider, title="ワクチ") == []  # under four characters
    found = selectors.similar(user=outsider, title="ワクチン接種の予約を取りたい")
    assert found and found[0].title == "ワクチン接種の予約方法"
    assert {r.kind for r in found} <= {"topic", "entry"}
    assert len(selectors.similar(user=outsider, title="避難所 防災訓練 条例 予約 交付 住民票")) <= 5
    assert selectors.similar(user=outsider, title="非公開の評価メモ") == []


def test_filters_kind_section_state_period_and_sort(corpus):
    member = corpus.roles["insider"]
    open_sec = corpus.objects["sec:防災対策課"]
    _page, found = _labels(corpus, member, "予約", state="solved")
    assert found == {"t:接種予約"}
    _page, found = _labels(corpus, member, "予約", state="unsolved")
    assert "t:接種予約" not in found and "t:マイナンバー" in found
    _page, found = _labels(corpus, member, "避難所", kind="entry")
    assert found == {"e:避難所"}
    _page, found = _labels(corpus, member, "税", section=corpus.objects["sec:税務課"].pk)
    assert "t:住民票" not in found and "t:税務機密" in found
    _page, found = _labels(corpus, member, "避難", section=open_sec.pk, kind="meeting")
    assert found == {"m:定例会"}
    newest = selectors.search(user=member, filters=selectors.Filters(q="予約", sort="newest"))
    dates = [r.date for r in newest.results]
    assert dates == sorted(dates, reverse=True)
    # corpus dates are in April 2026: none is within the last week of "now"
    recent = selectors.search(user=member, filters=selectors.Filters(q="条例", period="week"))
    assert all(
        r.kind in ("meeting", "training", "episode", "section", "entry") for r in recent.results
    )
