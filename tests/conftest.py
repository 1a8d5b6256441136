import pytest
from django.core.cache import caches

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_caches():
    """Start every test with empty caches: no page, generation or counter from another test."""
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def superuser(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
