from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from accounts import views as accounts_views
from core import views as core_views
from sections import urls as sections_urls
from trainings import urls as trainings_urls

# The admin signs in through allauth (so MFA applies), not through its own login form.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "横糸 事務局"
admin.site.site_title = "横糸 事務局"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    path("", include("portal.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/signup/", accounts_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("municipalities.urls")),
    path("sections/", include("sections.urls")),
    path("", include(sections_urls.calendar_patterns)),
    path("", include("discussions.urls")),
    path("", include("events.urls")),
    path("", include("moderation.urls")),
    path("", include("renewals.urls")),
    path("notifications/", include("notifications.urls")),
    path("broadcasts/", include("broadcasts.urls")),
    path("trainings/", include("trainings.urls")),
    path("search/", include("search.urls")),
    path("", include(trainings_urls.orientation_patterns)),
    path("admin/", admin.site.urls),
]
