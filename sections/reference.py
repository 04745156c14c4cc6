"""The community's published list of departments (部) and sections (課).

Loaded by data migration 0002 (missing rows only) so that it exists in every deployment.
Types marked `# stated` are given by the community; the others are our best guess.
Each entry: (slug, name, type) with type in work / skill / hobby."""

DEPARTMENTS = [
    ("kikaku", "企画部", [
        ("bakuru", "バクる課", "work"),
        ("yameyou", "やめよう課", "work"),
        ("ict", "ICT推進課", "work"),
        ("chiiki-houkatsu-care", "地域包括ケア推進課", "work"),
        ("omatsuri", "おまつり課", "hobby"),
        ("sdgs-kanmin", "SDGs×官民連携課", "work"),
        ("game", "ゲーム推進課", "hobby"),
        ("sports-machizukuri", "スポーツ×まちづくり課", "work"),
        ("douga", "動画課", "skill"),  # stated
        ("programming", "プログラミング課", "skill"),
    ]),
    ("seisaku", "政策部", [
        ("juumin-jichi", "住民自治課", "work"),
        ("saiken-kaishuu", "債権回収対策課", "work"),  # stated
        ("akiya", "空き家を使った地域おこし課", "work"),
        ("bousai", "防災対策課", "work"),
        ("smart-city", "スマートシティ推進課", "work"),
        ("data", "データ活用課", "work"),
        ("jougesuidou", "上下水道課", "work"),
        ("gender", "ジェンダー平等推進室", "work"),
        ("kankyou", "幅広く環境課", "work"),
        ("ringyou", "林業課", "work"),
        ("kouei-juutaku", "未来の公営住宅課", "work"),
        ("shouhi-seikatsu", "消費生活センター課", "work"),
    ]),
    ("design", "デザイン部", [
        ("writing", "ライティング課", "skill"),  # stated
        ("zukai-graphic-recording", "図解・グラレコ課", "skill"),  # stated
        ("powerpoint", "パワポ課", "skill"),
    ]),
    ("jinji", "人事部", [
        ("jinji-kikaku", "人事企画課", "work"),
        ("genki", "元気が出る課", "hobby"),
        ("hatarakikata", "働き方アップデート課", "skill"),
        ("coaching", "コーチング課", "skill"),
    ]),
    ("tsunagari", "つながり部", [
        ("event-sousei", "イベント創成課", "skill"),
        ("freshers", "フレッシュヤーズ課", "hobby"),
        ("hokenshi", "保健師とつながろう課", "work"),
        ("shouboudan", "消防団を盛り上げよう課", "work"),
        ("kenpa", "ケンパ課", "hobby"),
        ("manabi", "学び推進課", "skill"),
        ("rekishi-roman", "地域の歴史ロマン探求課", "hobby"),
    ]),
    ("fukushi", "福祉部", [
        ("shougaisha-shien", "障害者支援課", "work"),
        ("seikatsu-hogo-cw", "生活保護CW課", "work"),
        ("kazoku-shien", "家族支援課", "work"),
        ("kyouiku", "共育課", "work"),
    ]),
    ("soumu", "総務部", [
        ("houki", "法規課", "work"),  # stated
        ("gikai", "議会(対策)事務局", "work"),
        ("minna-no-zaisei", "みんなの財政課", "work"),  # stated
        ("shisanzei", "資産税課", "work"),
        ("minna-no-shiminzei", "みんなの市民税課", "work"),
        ("shimin", "市民課", "work"),
        ("kokusai", "国際課", "work"),
        ("kouhou", "広報課", "work"),
    ]),
    ("oudan", "横断型機関・サークル", [
        ("hokenshitsu", "保健室", "hobby"),
        ("toshoshitsu", "図書室", "hobby"),  # stated
        ("ongaku", "音楽サークル", "hobby"),  # stated
        ("kosodate-salon", "子育てサロン", "hobby"),  # stated
        ("chiiki-okoshi-kyouryokutai", "地域おこし協力隊推進室", "work"),
        ("ramen", "ラーメン部", "hobby"),
        ("dance-dj", "DANCE・DJ課", "hobby"),
        ("manga-anime", "マンガ・アニメ部", "hobby"),
        ("beer", "ビール部", "hobby"),
        ("corona", "コロナ対策本部", "work"),  # stated
    ]),
]  # fmt: skip

TYPE_BLURB = {
    "work": "日々の業務に直結するテーマで、全国の担当者と悩みや工夫を共有します。",
    "skill": "どの部署でも役立つスキルを、一緒に学び合います。",
    "hobby": "仕事の外のつながりを楽しむサークルです。",
}


def load(Department, Section) -> int:
    """Create missing departments and sections; never overwrite edits. Returns how many
    sections were created."""
    created = 0
    for dept_order, (dept_slug, dept_name, sections) in enumerate(DEPARTMENTS, start=1):
        department, _ = Department.objects.get_or_create(
            slug=dept_slug, defaults={"name": dept_name, "order": dept_order}
        )
        for order, (slug, name, kind) in enumerate(sections, start=1):
            _, was_created = Section.objects.get_or_create(
                slug=slug,
                defaults={
                    "department": department,
                    "name": name,
                    "type": kind,
                    "order": order,
                    "description": f"{name}は{TYPE_BLURB[kind]}",
                    "rules": "お互いを尊重し、業務上の秘密や個人情報は持ち込まないでください。",
                },
            )
            created += was_created
    return created
