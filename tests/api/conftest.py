"""The API tests' world: the access matrix's two CCGs (own: Bristol 11H, South Bristol; other: North Somerset 11T,
Woodspring), one person per role, and on each side a proposed release with its per-practice lines, a draft
payment run and an Improved Access quarter assessment (tests/security/admin_world.py)."""

import pytest
from django.core.cache import cache

from api.tokens import token_create
from onecare.accounts.roles import Role
from tests.security.admin_world import build_admin_world


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The throttle counts in the default cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_admin_world()


@pytest.fixture
def bearer(world):
    """`bearer(role)`: the Authorization header of a new token of the world's person in that role."""

    def make(role: Role = Role.COMMISSIONER, days: int = 30) -> dict:
        _, secret = token_create(world.users[role], "Test", days)
        return {"Authorization": f"Bearer {secret}"}

    return make
