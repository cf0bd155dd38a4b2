"""Django's Redis cache backend, keeping its redis-py client instead of building one for every call.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` for each cache operation; building one fills a
table of some 170 response callbacks, which costs about as much CPU as the round trip to Redis itself. The read API
counts every request it answers against its throttle in this cache (api/throttling.py), so that was paid on each. A
client is safe to share (it takes a connection from its pool for each command), so one per connection pool is kept and
reused. Everything else is Django's.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
