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


# --- broadcasts ------------------------------------------------------------------------------
class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "broadcasts.Programme"

    name = factory.Sequence(lambda n: f"横糸ナイト{n}")
    slug = factory.Sequence(lambda n: f"yokoito-night-{n}")
    description = "毎晩22時からの庁内放送です。"
    personalities = "山田 花子、佐藤 一郎"
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4, 5, 6])


class EpisodeFactory(factory.django.DjangoModelFactory):
    """An episode at 22:00 JST on `air_date` (default: today)."""

    class Meta:
        model = "broadcasts.Episode"

    programme = factory.SubFactory(ProgrammeFactory)
    air_date = factory.LazyFunction(timezone.localdate)
    starts_at = factory.LazyAttribute(
        lambda o: (
            timezone.make_aware(timezone.datetime.combine(o.air_date, timezone.datetime.min.time()))
            + timezone.timedelta(hours=22)
        )
    )
    title = factory.Sequence(lambda n: f"テーマ{n}：窓口DXの現場から")
    personalities = "山田 花子"


class GuestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "broadcasts.Guest"

    episode = factory.SubFactory(EpisodeFactory)
    name = factory.Sequence(lambda n: f"ゲスト {n}")
    affiliation = "横浜市 デジタル統括本部"


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "broadcasts.Follow"

    user = factory.SubFactory(MemberFactory)
    programme = factory.SubFactory(ProgrammeFactory)


# --- sections / events -----------------------------------------------------------------------
class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sections.Department"

    name = factory.Sequence(lambda n: f"テスト部{n}")
    slug = factory.Sequence(lambda n: f"test-dept-{n}")
    order = factory.Sequence(lambda n: 100 + n)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sections.Section"

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"テスト課{n}")
    slug = factory.Sequence(lambda n: f"test-section-{n}")
    type = "work"
    description = "テスト用の課です。"
    join_policy = "open"


class SectionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sections.SectionMembership"

    section = factory.SubFactory(SectionFactory)
    user = factory.SubFactory(MemberFactory)
    role = "member"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the membership services do: keep Section.member_count right (issue 18).
        from sections.counts import recount_members

        membership = super()._create(model_class, *args, **kwargs)
        recount_members([membership.section_id])
        return membership


class EventFactory(factory.django.DjangoModelFactory):
    """An online event two days from now, one hour long."""

    class Meta:
        model = "events.Event"

    kind = "section_meeting"
    title = factory.Sequence(lambda n: f"情報交換会{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timezone.timedelta(hours=1))
    format = "online"
    join_url = "https://meet.example.jp/secret-room-123"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sections.Meeting"

    section = factory.SubFactory(SectionFactory)
    event = factory.SubFactory(EventFactory)
    audience = "section"
