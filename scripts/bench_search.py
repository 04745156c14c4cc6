#!/usr/bin/env python
"""`make bench-search`: Japanese search over 100,000 posts (issue 13).

1. A separate database: SQLite at var/bench-search/db.sqlite3 (or, when DATABASE_URL is
   PostgreSQL, a database of that name with the suffix `_sbench`), recreated and migrated.
2. 100,000 synthetic Japanese posts (5,000 topics of 20 posts: an opening post and 19
   replies) in 10 sections, two of them 課員のみ, written with bulk_create; bodies of
   60–400 characters drawn from a fixed vocabulary of public-service words (kanji
   compounds, katakana, Latin acronyms, digits; some full-width and half-width), seeded.
3. The index is built with the same code as `manage.py search_rebuild` (timed), and its
   size is compared with the size of the text it indexes (UTF-8 bytes of the searchable
   title and body).
4. 50 fixed queries (two-character terms, one character, Latin, digits, AND, phrases,
   full-width/half-width, hiragana/katakana), each the member's top-20 results page as
   `/search/` computes it (visibility, capped count, page, section names): every query
   is run 3 times, its time is the median of the 3; median and p95 over the 50.

Target: median ≤ 20 ms and p95 ≤ 300 ms. Exit status 0 when met, 1 when not.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench-search"
TARGET_MEDIAN_MS, TARGET_P95_MS = 20.0, 300.0

QUERIES = [
    "接種", "予約", "税務", "条例", "防災", "DX", "窓口", "住民票", "マイナンバー", "避難所",
    "ワクチン 予約", "条例 改正", "防災 訓練", "税務 申告", "窓口 混雑", "DX 推進",
    '"予約方法"', "「条例改正」", '"住民票の写し"', '"避難所の開設"',
    "税", "災", "票", "ン",
    "lgwan", "RPA", "covid", "2024", "2025年度", "５", "ＤＸ", "ｺﾛﾅ", "ころな", "わくちん",
    "まいなんばー", "子育て支援", "ふるさと納税", "国民健康保険", "介護保険 認定",
    "防災無線", "ハザードマップ", "公金受取口座", "電子申請 LGWAN", "ガバメントクラウド",
    "議会 答弁", "地域包括ケア", "保健師 派遣", "空き家 対策", "会計年度任用職員", "標準化",
]  # fmt: skip

WORDS = [
    "接種", "予約", "税務", "条例", "防災", "窓口", "住民票", "避難所", "訓練", "改正",
    "申告", "混雑", "推進", "住民", "職員", "課長", "庁内", "議会", "答弁", "予算",
    "決算", "監査", "契約", "入札", "公金", "口座", "電子申請", "標準化", "子育て支援",
    "ふるさと納税", "国民健康保険", "介護保険", "認定", "地域包括ケア", "保健師", "派遣",
    "空き家", "対策", "会計年度任用職員", "防災無線", "ハザードマップ", "災害", "復旧",
    "ガバメントクラウド", "マイナンバー", "カード", "交付", "ワクチン", "コロナ", "ｺﾛﾅ",
    "システム", "データ", "オンライン", "ガイドライン", "マニュアル", "アンケート",
    "DX", "ＤＸ", "LGWAN", "RPA", "AI", "covid", "2024", "2025年度", "３月", "５件",
    "要綱", "規則", "通知", "照会", "回答", "事例", "様式", "押印", "廃止", "見直し",
    "窓口の混雑", "予約方法", "条例改正", "住民票の写し", "避難所の開設", "手続き",
    "相談", "支援", "補助金", "交付金", "財源", "人口減少", "移住", "観光", "農業", "漁業",
]  # fmt: skip
PARTICLES = ["の", "を", "に", "は", "が", "と", "で", "や", "について", "から", "まで", "、"]
ENDINGS = ["です。", "ます。", "しました。", "でしょうか。", "を検討中です。", "が課題です。"]


def log(message: str) -> None:
    print(message, flush=True)


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_sbench"
        return urlunsplit(parts._replace(path="/" + name))
    return f"sqlite:///{BENCH_DIR / 'db.sqlite3'}"


def recreate(url: str) -> None:
    if url.startswith("sqlite"):
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(BENCH_DIR / "db.sqlite3") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


KANJI = (
    "日本人年大十二本中長出三時行見月後前生五間上東四今金九入学高円子外八六下来気小七山話"
    "女北午百書先名川千水半男西電校語土木聞食車何南万毎白天母火右読友左休父雨会同事自社発"
    "者地業方新場員立開手力問代明動京目通言理体田主題意不作用度強公持野以思家世多正安院心"
    "界教文元重近考画海売知道集別物使品計死特私始朝運終台広住無真有口少町料工建空急止送切"
    "転研足究楽起着店病質待試族銀早映親験英医仕去味写字答夜音注帰古歌買悪図週室歩風紙黒花"
)
KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
VOCABULARY: list[str] = []
WEIGHTS: list[float] = []


def vocabulary(rng: random.Random) -> None:
    """About 4,000 words with Zipf frequencies (weight 1/(rank + 10)); the words of the
    queries are spread over ranks 10 to about 2,500, as in real text where a query's
    words are neither the commonest nor unheard of."""
    generated: set[str] = set()
    while len(generated) < 3_400:
        generated.add("".join(rng.choice(KANJI) for _ in range(rng.choice((2, 2, 2, 3)))))
    while len(generated) < 4_000:
        word = "".join(rng.choice(KANA) for _ in range(rng.randint(3, 6)))
        generated.add(word + ("ー" if rng.random() < 0.3 else ""))
    words = [w for w in sorted(generated) if w not in WORDS]
    rng.shuffle(words)
    for i, word in enumerate(WORDS):
        words.insert(min(len(words), 10 + i * 25), word)
    VOCABULARY[:] = words
    WEIGHTS[:] = [1 / (rank + 10) for rank in range(len(words))]


def sentence(rng: random.Random) -> str:
    parts = []
    for word in rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(3, 8)):
        parts.append(word)
        parts.append(rng.choice(PARTICLES))
    return "".join(parts[:-1]) + rng.choice(ENDINGS)


def body(rng: random.Random) -> str:
    text = ""
    target = rng.randint(60, 400)
    while len(text) < target:
        text += sentence(rng)
    return text


def seed(topics: int, per_topic: int, rng: random.Random):
    from accounts.models import User
    from discussions.models import Post, SectionSetting, Topic
    from sections.models import Department, Section, SectionMembership
    from tests.factories import MemberFactory

    dept = Department.objects.create(name="検索ベンチ部", slug="search-bench", order=999)
    sections = [
        Section.objects.create(
            department=dept, name=f"ベンチ{i}課", slug=f"bench-{i}", type="work", join_policy="open"
        )
        for i in range(10)
    ]
    for section in sections[:2]:
        SectionSetting.objects.create(section=section, reading=SectionSetting.Reading.SECTION)
    member = MemberFactory(full_name="検索 太郎")
    author = MemberFactory(full_name="投稿 花子")
    SectionMembership.objects.create(section=sections[0], user=member)
    for section in sections:
        SectionMembership.objects.create(section=section, user=author)
    start = datetime(2024, 4, 1, tzinfo=UTC)
    batch_topics = []
    for i in range(topics):
        t = start + timedelta(minutes=7 * i)
        title = sentence(rng)[:60].rstrip("、")
        batch_topics.append(
            Topic(
                section=sections[i % 10],
                kind="question" if i % 2 else "share",
                title=title,
                author=author,
                created_at=t,
                last_activity_at=t,
                last_number=per_topic,
                reply_count=per_topic - 1,
            )
        )
    Topic.objects.bulk_create(batch_topics, batch_size=1000)
    posts = []
    for topic in Topic.objects.order_by("id").only("id", "created_at"):
        for n in range(1, per_topic + 1):
            text = body(rng)
            posts.append(
                Post(
                    topic_id=topic.pk,
                    number=n,
                    author=author,
                    body=text,
                    body_html=text,
                    created_at=topic.created_at + timedelta(minutes=n),
                )
            )
        if len(posts) >= 5000:
            Post.objects.bulk_create(posts, batch_size=2500)
            posts = []
    Post.objects.bulk_create(posts, batch_size=2500)
    return User.objects.get(pk=member.pk)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=5_000)
    parser.add_argument("--posts-per-topic", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    url = bench_database_url()
    recreate(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    log(f"database: {url.split('@')[-1]}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    import django

    django.setup()
    from django.db import connection

    from search import backend, index, registry, selectors
    from search.models import Document

    t0 = time.monotonic()
    rng = random.Random(13)
    vocabulary(rng)
    member = seed(args.topics, args.posts_per_topic, rng)
    log(f"seeded {args.topics * args.posts_per_topic:,} posts in {time.monotonic() - t0:.1f} s")
    Document.objects.all().delete()
    t0 = time.monotonic()
    for kind in ("section", "topic", "post"):
        counts = index.rebuild(kind)
        log(f"  {kind}: {counts.created:,} rows")
    build = time.monotonic() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_document")
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    docs = Document.objects.count()
    text_bytes = sum(
        len(d.searchable_text().encode())
        for d in Document.objects.only("title", "title_indexed", "body").iterator(chunk_size=5000)
    )
    size = backend.index_size_bytes()
    log(f"index build: {build:.1f} s for {docs:,} documents ({docs / build:,.0f}/s)")
    log(
        f"index size: {size / 1e6:.1f} MB for {text_bytes / 1e6:.1f} MB of text "
        f"({size / text_bytes:.0%})"
    )
    assert registry.kinds()
    timings = []
    for q in QUERIES:
        runs = []
        for _ in range(args.runs):
            t = time.perf_counter()
            page = selectors.search(user=member, filters=selectors.Filters(q=q))
            runs.append((time.perf_counter() - t) * 1000)
        timings.append(statistics.median(runs))
        more = "+" if page.capped else " "
        log(f"  {q:<16} {statistics.median(runs):7.1f} ms  {page.count:>5}{more} results")
    ordered = sorted(timings)
    median = statistics.median(ordered)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    log(
        f"{connection.vendor}: {len(QUERIES)} queries, median {median:.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms "
        f"(targets {TARGET_MEDIAN_MS:.0f} / {TARGET_P95_MS:.0f} ms)"
    )
    ok = median <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS
    log("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
