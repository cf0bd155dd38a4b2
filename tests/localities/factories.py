"""Factories for organisations and localities; tests build their own data with these."""

import datetime

import factory

from localities.models import (
    Commissioner,
    ListSizeSnapshot,
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Practice,
    PracticeCommissioner,
    Representative,
    SourceKind,
    SubLocality,
)
from localities.models.localities import RepresentativeRole, VehicleKind


class CommissionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commissioner
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{n % 100:02d}{'ABCDEFGHJK'[n // 100 % 10]}")
    name = factory.LazyAttribute(lambda o: f"NHS Test CCG {o.code}")
    valid_from = datetime.date(2013, 4, 1)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    code = factory.Sequence(lambda n: f"L{90000 + n:05d}")
    name = factory.Sequence(lambda n: f"Test Surgery {n}")
    postcode = "BS1 1AA"
    opened_on = datetime.date(1990, 4, 1)


class PracticeCommissionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeCommissioner

    practice = factory.SubFactory(PracticeFactory)
    commissioner = factory.SubFactory(CommissionerFactory)
    valid_from = datetime.date(2013, 4, 1)


class ListSizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListSizeSnapshot

    practice = factory.SubFactory(PracticeFactory)
    extract_date = datetime.date(2018, 1, 1)
    registered_patients = 10_000
    source_kind = SourceKind.NHS_PAYMENTS


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    code = factory.Sequence(lambda n: f"loc{n}")
    name = factory.Sequence(lambda n: f"Test Locality {n}")
    commissioner = factory.SubFactory(CommissionerFactory)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalityVehicle

    locality = factory.SubFactory(LocalityFactory)
    kind = VehicleKind.INFORMAL


class SubLocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubLocality

    locality = factory.SubFactory(LocalityFactory)
    name = factory.Sequence(lambda n: f"Cluster {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalityMembership

    practice = factory.SubFactory(PracticeFactory)
    locality = factory.SubFactory(LocalityFactory)
    valid_from = datetime.date(2017, 4, 1)

    class Params:
        opted_out = factory.Trait(opted_out_on=datetime.date(2017, 10, 1), opt_out_reason="Chose to work alone.")


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    locality = factory.SubFactory(LocalityFactory)
    role = RepresentativeRole.LEAD
    name = factory.Sequence(lambda n: f"Dr Representative {n}")
    valid_from = datetime.date(2017, 6, 1)
