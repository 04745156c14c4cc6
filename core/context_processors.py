from django.conf import settings
from django.urls import NoReverseMatch, reverse

# Member navigation: (url name, label). Entries whose URL does not exist yet are left out.
MEMBER_NAV = [
    ("sections:directory", "部・課"),
    ("broadcasts:tonight", "庁内放送"),
    ("trainings:list", "庁内研修"),
    ("directory", "名簿"),
    ("profile_edit", "プロフィール"),
]


def _member_nav() -> list[dict[str, str]]:
    items = []
    for name, label in MEMBER_NAV:
        try:
            items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return items


def site(request):
    context = {"SITE_NAME": "横糸", "SITE_URL": settings.SITE_URL}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_member:
        context["member_nav"] = _member_nav()
    return context
