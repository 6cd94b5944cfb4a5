"""Per-address rate limits over fixed windows: Redis when configured (shared by workers), in-process otherwise."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

import redis
from fastapi import Request

from cityloop.config import get_settings
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import TooManyRequests

log = logging.getLogger("cityloop.ratelimit")


@dataclass(frozen=True)
class Limit:
    """At most `hits` per `window` seconds for one key."""

    name: str
    hits: int
    window: int


class Limiter(Protocol):
    """A counter of hits per key and window."""

    def hit(self, key: str, limit: Limit) -> int | None:
        """Count one hit; seconds until the window ends when the limit is now exceeded, else None."""

    def blocked(self, key: str, limit: Limit) -> int | None:
        """Seconds until the window ends if the key has used up its hits, without counting; else None."""

    def describe(self) -> str:
        """Which backend this is, for the start-up log."""


def _window(limit: Limit, now: float) -> tuple[int, int]:
    """The current window's number and the whole seconds left in it (at least 1)."""
    index = int(now // limit.window)
    return index, max(1, math.ceil((index + 1) * limit.window - now))


class MemoryLimiter:
    """Counters in this process (one worker only: each worker would count on its own)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str, int], tuple[int, float]] = {}  # slot → (hits, window end)
        self._lock = threading.Lock()

    def hit(self, key: str, limit: Limit) -> int | None:
        """Count one hit in the current window."""
        now = self._clock()
        index, left = _window(limit, now)
        slot = (limit.name, key, index)
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts = {s: v for s, v in self._counts.items() if v[1] > now}
            count = self._counts.get(slot, (0, 0.0))[0] + 1
            self._counts[slot] = (count, now + left)
        return left if count > limit.hits else None

    def blocked(self, key: str, limit: Limit) -> int | None:
        """Whether the key is over its limit now."""
        index, left = _window(limit, self._clock())
        with self._lock:
            count = self._counts.get((limit.name, key, index), (0, 0.0))[0]
        return left if count >= limit.hits else None

    def describe(self) -> str:
        """Backend name."""
        return "in-process (counts per worker)"


class RedisLimiter:
    """Counters in Redis (INCR + EXPIRE on a key per window), shared by every worker and host."""

    def __init__(self, client: redis.Redis, prefix: str = "cityloop:rl:",
                 clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock

    def _key(self, key: str, limit: Limit, index: int) -> str:
        return f"{self._prefix}{limit.name}:{key}:{index}"

    def hit(self, key: str, limit: Limit) -> int | None:
        """Count one hit in the current window."""
        index, left = _window(limit, self._clock())
        name = self._key(key, limit, index)
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, limit.window + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError:
            # An outage of the counter store must not take the citizen portal and logins down with it.
            log.warning("rate limit store unavailable; %s not limited", limit.name, exc_info=True)
            return None
        return left if count > limit.hits else None

    def blocked(self, key: str, limit: Limit) -> int | None:
        """Whether the key is over its limit now."""
        index, left = _window(limit, self._clock())
        try:
            count = int(self._redis.get(self._key(key, limit, index)) or 0)  # type: ignore[arg-type]  # sync client
        except redis.RedisError:
            log.warning("rate limit store unavailable; %s not limited", limit.name, exc_info=True)
            return None
        return left if count >= limit.hits else None

    def describe(self) -> str:
        """Backend name (the URL without credentials)."""
        kwargs = self._redis.connection_pool.connection_kwargs
        return f"Redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


@lru_cache(maxsize=1)
def get_limiter() -> Limiter:
    """The limiter of this process: Redis when `redis_url` is set, in-process otherwise."""
    url = get_settings().redis_url
    if url and urlsplit(url).scheme.startswith("redis"):
        return RedisLimiter(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0))
    return MemoryLimiter()


cache_clearers.append(get_limiter.cache_clear)


def limits() -> dict[str, Limit]:
    """The configured per-address limits."""
    s = get_settings()
    return {"login": Limit("login", s.login_address_max_failures, s.login_window_seconds),
            # Wrong sharing keys are failed credentials too, counted apart so neither locks the other out.
            "share_key": Limit("share_key", s.login_address_max_failures, s.login_window_seconds),
            "intake": Limit("intake", s.rate_intake_per_address, s.rate_intake_window_seconds),
            "track": Limit("track", s.rate_track_per_address, s.rate_track_window_seconds)}


def client_address(request: Request) -> str:
    """The caller's address (behind a trusted proxy, uvicorn has already put the forwarded one here)."""
    return request.client.host if request.client else ""


def too_many(retry_after: int) -> TooManyRequests:
    """The 429 error, carrying the seconds to wait (rendered as `Retry-After`)."""
    return TooManyRequests("请求过于频繁，请稍后再试", "Too many requests; try again later", retry_after=retry_after)


def per_address(name: str) -> Callable[[Request], None]:
    """Dependency: count this request against the caller address's `name` limit; 429 when over."""

    def dependency(request: Request) -> None:
        wait = get_limiter().hit(client_address(request), limits()[name])
        if wait is not None:
            raise too_many(wait)

    return dependency
