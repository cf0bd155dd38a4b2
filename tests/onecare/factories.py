"""Factories for portal accounts in each role."""

import factory
from django.contrib.auth.models import Group

from onecare.accounts.models import User
from onecare.accounts.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.nhs.uk")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted: Role | None, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))
            self.is_staff = Role(extracted) in {Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN}
        if create:
            self.save()
