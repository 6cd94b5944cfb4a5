"""Fixed-window limiters: the in-process one and the Redis one (against the local Redis, unique prefixes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.kit.ratelimit import Limit, Limiter, MemoryLimiter, RedisLimiter

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield client
    client.close()


def _limiters(clock: FakeClock, client: redis.Redis | None) -> list[Limiter]:
    out: list[Limiter] = [MemoryLimiter(clock)]
    if client is not None:
        out.append(RedisLimiter(client, prefix=f"test:{uuid.uuid4().hex}:", clock=clock))
    return out


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_the_hit_after_the_limit_waits_for_the_window_to_end(backend: str, request: pytest.FixtureRequest) -> None:
    clock = FakeClock(960_000.0)  # a multiple of 60: a window starts here
    client = request.getfixturevalue("redis_client") if backend == "redis" else None
    limiter = _limiters(clock, client)[-1]
    limit = Limit("t", hits=3, window=60)
    clock.now += 15
    assert [limiter.hit("1.2.3.4", limit) for _ in range(3)] == [None, None, None]
    assert limiter.blocked("1.2.3.4", limit) == 45
    assert limiter.hit("1.2.3.4", limit) == 45
    assert limiter.hit("5.6.7.8", limit) is None  # other addresses count on their own
    clock.now += 45
    assert limiter.blocked("1.2.3.4", limit) is None
    assert limiter.hit("1.2.3.4", limit) is None


def test_redis_counters_expire_with_their_window(redis_client: redis.Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    RedisLimiter(redis_client, prefix=prefix).hit("a", Limit("t", 5, 30))
    (key,) = redis_client.keys(prefix + "*")
    assert 0 < redis_client.ttl(key) <= 31


def test_an_unreachable_redis_lets_requests_through() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    limiter = RedisLimiter(dead, prefix="test:")
    assert limiter.hit("a", Limit("t", 0, 60)) is None
    assert limiter.blocked("a", Limit("t", 0, 60)) is None


@settings(max_examples=40, deadline=None)
@given(hits=st.integers(1, 5), steps=st.lists(st.tuples(st.integers(0, 40), st.sampled_from("ab")), max_size=25))
def test_memory_and_redis_agree_and_never_exceed_the_limit(hits: int, steps: list[tuple[int, str]]) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    clock = FakeClock(2_000_000.0)
    memory, shared = _limiters(clock, client)
    limit = Limit("p", hits, 30)
    allowed: dict[tuple[str, int], int] = {}
    for advance, key in steps:
        clock.now += advance
        a, b = memory.hit(key, limit), shared.hit(key, limit)
        assert a == b
        if a is None:
            slot = (key, int(clock.now // 30))
            allowed[slot] = allowed.get(slot, 0) + 1
    assert all(n <= hits for n in allowed.values())
    client.close()
