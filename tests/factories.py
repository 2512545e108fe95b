"""factory_boy factories on real region codes (the test database holds provinces 33, 35, 36)."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from campaign.models import EventAttendance, OutreachEvent, PerisaiAgent, Registration
from enrollment.models import Membership, Program
from villages.models import BranchOffice, Person, Post, RegionalOffice, Village

KARANGLEWAS = "33.02.03.2003"  # Desa Karanglewas, Kec. Jatilawang, Kab. Banyumas


def make_nik(district_code: str, born: dt.date, sex: str, serial: int) -> str:
    """A structurally valid NIK: district, DDMMYY (day + 40 for women), serial."""
    day = born.day + (40 if sex == "P" else 0)
    return f"{district_code.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("kata-sandi-uji-123")


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    class Params:
        district_code = "33.02.03"
        born = dt.date(1980, 4, 12)

    sex = "L"
    name = factory.Sequence(lambda n: f"Warga {n}")
    nik = factory.LazyAttributeSequence(
        lambda o, n: make_nik(o.district_code, o.born, o.sex, n % 9999 + 1)
    )


class PostFactory(factory.django.DjangoModelFactory[Post]):
    class Meta:
        model = Post

    person = factory.SubFactory(PersonFactory)
    village = factory.LazyFunction(lambda: Village.objects.get(code=KARANGLEWAS))
    code = Post.Code.KAUR
    term_start = dt.date(2022, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    program = factory.LazyFunction(lambda: Program.objects.get(code="JKK"))
    participant_category = Membership.Category.BPU
    enrolled_on = dt.date(2024, 1, 1)
    paid_until = dt.date(2026, 12, 31)
    funding_source = Membership.Funding.APBDES


class RegionalOfficeFactory(factory.django.DjangoModelFactory[RegionalOffice]):
    class Meta:
        model = RegionalOffice
        django_get_or_create = ("name",)

    name = "Kanwil Jawa Tengah dan DIY"


class BranchOfficeFactory(factory.django.DjangoModelFactory[BranchOffice]):
    class Meta:
        model = BranchOffice
        django_get_or_create = ("name",)

    name = "Purwokerto"
    regional_office = factory.SubFactory(RegionalOfficeFactory)


def covered(person, until=dt.date(2026, 12, 31), programs=("JKK", "JKM")) -> None:
    """Give `person` memberships in `programs`, paid through `until`."""
    for code in programs:
        MembershipFactory(person=person, program_id=code, paid_until=until)


# --- Campaign (issue 14) -----------------------------------------------------------------------


class PerisaiAgentFactory(factory.django.DjangoModelFactory[PerisaiAgent]):
    class Meta:
        model = PerisaiAgent
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PRS-3302-{n + 1:03d}")
    name = factory.Sequence(lambda n: f"Agen {n + 1}")
    regency_id = "33.02"
    active_from = dt.date(2018, 1, 1)

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        if create and extracted:
            self.villages.set(extracted)


class OutreachEventFactory(factory.django.DjangoModelFactory[OutreachEvent]):
    class Meta:
        model = OutreachEvent
        skip_postgeneration_save = True

    date = dt.date(2024, 4, 24)
    title = "Sosialisasi aparatur desa"
    regency_id = "33.02"

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        if create and extracted:
            self.villages.set(extracted)

    @factory.post_generation
    def attendance(self, create, extracted, **kwargs):
        """`attendance={"PERANGKAT": 40, "BPD": 12}`."""
        if create and extracted:
            for category, count in extracted.items():
                EventAttendance.objects.create(event=self, category=category, count=count)


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    date = dt.date(2024, 5, 1)
    village_id = "33.02.03.2003"
    channel = "MANDIRI"
    count = 1
    contributions = 16_800
