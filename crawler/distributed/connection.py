"""The Redis client every distributed part uses, and what counts as Redis being away."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from crawler.config import ConfigError

# A restarting server refuses connections, then answers LOADING while it reads its
# append-only file: both mean "try again soon", never "give up the request".
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.ConnectionError, redis.TimeoutError,
                                                 redis.BusyLoadingError)


def text(value: bytes | str) -> str:
    """A key or value read back from Redis as text. Clients are made without
    ``decode_responses`` (the frontier's requests are pickled bytes), so replies are bytes;
    redis-py types them ``bytes | str`` since that depends on how the client was made."""
    return value.decode() if isinstance(value, bytes) else value


def connect(url: str) -> redis.Redis:
    """A client that retries briefly by itself; longer outages are the callers' to ride out."""
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("--redis", None, f"not a Redis URL (redis://host:port/db): {url!r}")
    return redis.Redis.from_url(
        url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError])
