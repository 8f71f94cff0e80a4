"""Redis as Django's cache, that a Redis outage does not turn into error pages.

The cache holds only allauth's rate-limit counters (login attempts, codes sent).
While Redis is out of reach it behaves as an empty cache that accepts every
write: nothing is counted, so nobody is locked out and every page keeps
answering; the limits apply again as soon as Redis is back. Failures are logged
(a warning at most once a minute per process), and short socket timeouts
(settings.CACHES) keep a Redis that hangs from holding a request.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY = 60.0


class ForgivingClient(RedisCacheClient):
    warned_at = float("-inf")

    def _unreachable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ForgivingClient.warned_at >= WARN_EVERY:
            ForgivingClient.warned_at = now
            logger.warning("Redis cache unreachable (%s: %s): working without it", operation, error)

    def add(self, key, value, timeout):
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE as error:
            self._unreachable("add", error)
            return True  # as an empty cache answers: a lock taken, a first attempt counted

    def get(self, key, default):
        try:
            return super().get(key, default)
        except UNREACHABLE as error:
            self._unreachable("get", error)
            return default

    def set(self, key, value, timeout):
        try:
            super().set(key, value, timeout)
        except UNREACHABLE as error:
            self._unreachable("set", error)

    def touch(self, key, timeout):
        try:
            return super().touch(key, timeout)
        except UNREACHABLE as error:
            self._unreachable("touch", error)
            return False

    def delete(self, key):
        try:
            return super().delete(key)
        except UNREACHABLE as error:
            self._unreachable("delete", error)
            return False

    def get_many(self, keys):
        try:
            return super().get_many(keys)
        except UNREACHABLE as error:
            self._unreachable("get_many", error)
            return {}

    def has_key(self, key):
        try:
            return super().has_key(key)
        except UNREACHABLE as error:
            self._unreachable("has_key", error)
            return False

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except UNREACHABLE as error:
            self._unreachable("incr", error)
            raise ValueError(f"Key '{key}' not found.") from None  # as an empty cache answers

    def set_many(self, data, timeout):
        try:
            super().set_many(data, timeout)
        except UNREACHABLE as error:
            self._unreachable("set_many", error)

    def delete_many(self, keys):
        try:
            super().delete_many(keys)
        except UNREACHABLE as error:
            self._unreachable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as error:
            self._unreachable("clear", error)
            return False


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingClient
