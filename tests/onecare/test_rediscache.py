"""The shared cache's backend (onecare/rediscache.py) against the real Redis server `make test` starts (REDIS_URL):
Django's RedisCache, with one redis-py client kept per connection pool instead of one built for every call."""

import os

import pytest
from django.core.cache.backends.redis import RedisCache

from onecare.rediscache import ReusedClientRedisCache

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def cache():
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: run the suite with `make test`, which starts a Redis server")
    cache = ReusedClientRedisCache(REDIS_URL, {"KEY_PREFIX": "test-rediscache"})
    yield cache
    cache.delete_many(["session", "counter", "gone"])


def test_it_stores_and_answers_as_django_redis_cache_does(cache):
    cache.set("session", {"_auth_user_id": "7", "when": [1, 2]}, 60)
    cache.set("gone", "soon", 60)
    cache.delete("gone")
    cache.set("counter", 1, 60)
    assert cache.incr("counter", 4) == 5
    assert cache.get("session") == {"_auth_user_id": "7", "when": [1, 2]}
    assert cache.get("gone", "default") == "default"
    assert cache.get_many(["session", "counter"]) == {"session": {"_auth_user_id": "7", "when": [1, 2]}, "counter": 5}
    # What it stored, Django's own backend reads back: the same keys and the same serialisation.
    assert RedisCache(REDIS_URL, {"KEY_PREFIX": "test-rediscache"}).get("counter") == 5


def test_one_client_serves_every_call(cache):
    client = cache._cache.get_client("session")
    cache.set("session", "x", 60)
    cache.get("session")
    assert cache._cache.get_client("session") is client
    assert cache._cache.get_client("session", write=True) is client  # one server: one pool, one client


def test_each_server_keeps_its_own_client():
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: run the suite with `make test`, which starts a Redis server")
    cache = ReusedClientRedisCache([REDIS_URL, REDIS_URL.rsplit("/", 1)[0] + "/5"], {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()  # with two servers, reads go to the second
    assert reader is not writer
    assert cache._cache.get_client() is reader and cache._cache.get_client(write=True) is writer
    assert reader.connection_pool.connection_kwargs["db"] == 5
