from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import AffiliationType, User
from municipalities.models import LocalGovernment


def local_government(code: str = "131016") -> LocalGovernment:
    """An existing row of the 1,788 (default: 千代田区)."""
    return LocalGovernment.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@city.example.lg.jp")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")
    status = User.Status.DRAFT
    full_name = factory.Sequence(lambda n: f"横糸 太郎{n}")
    full_name_kana = "ヨコイト タロウ"

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ApplicantFactory(UserFactory):
    status = User.Status.SUBMITTED
    affiliation_type = AffiliationType.LOCAL_GOVERNMENT
    local_government = factory.LazyFunction(lambda: local_government())
    department = "総務部 総務課"
    job_type = "general"
    introduction = "よろしくお願いします。"
    rules_agreed_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyFunction(timezone.now)


class MemberFactory(ApplicantFactory):
    status = User.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


class StaffFactory(MemberFactory):
    is_staff = True
    is_superuser = True
    email = factory.Sequence(lambda n: f"staff{n}@yokoito.example")
