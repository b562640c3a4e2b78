"""One rate limit for the relay, shared in Redis by every worker on every machine.

The same budget as the in-process RateLimiter (_smtp.py): messages spaced 1/per_second
apart, and at most per_hour in any hour. Each wait() reserves the next free slot in one
Lua script run atomically by Redis, on the Redis server's clock (so workers on machines
whose clocks differ still share one timeline), then sleeps until that slot.

Why hand-written: the limit libraries for Redis (limits, redis-cell) answer "allowed
now or not" over a window, so a worker would poll and bursts would pass within the
window; the relay's limit is a spacing, which is a reservation of the next slot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ..errors import DeliveryError
from ._smtp import RateLimiter

log = logging.getLogger(__package__)

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local per_hour = tonumber(ARGV[2])
local slot = now
local last = tonumber(redis.call('GET', KEYS[1]))
if last and interval > 0 then slot = math.max(slot, last + interval) end
if per_hour > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', slot - 3600)
  if redis.call('ZCARD', KEYS[2]) >= per_hour then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    slot = math.max(slot, tonumber(oldest[2]) + 3600)
  end
  local member = string.format('%.6f', slot) .. ':' .. redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[2], slot, member)
  local extra = redis.call('ZCARD', KEYS[2]) - per_hour
  if extra > 0 then redis.call('ZPOPMIN', KEYS[2], extra) end
  redis.call('EXPIRE', KEYS[2], 7200)
  redis.call('EXPIRE', KEYS[3], 7200)
end
redis.call('SET', KEYS[1], string.format('%.6f', slot), 'EX', 7200)
return string.format('%.6f', slot - now)
"""


class SharedRateLimiter(RateLimiter):
    """A RateLimiter whose budget lives in Redis: all workers of one relay share it."""

    def __init__(
        self,
        client: Any,
        key: str,
        per_second: float | None = None,
        per_hour: int | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(per_second, per_hour, sleep=sleep)
        self._client = client
        self._keys = [f"{key}:last", f"{key}:hour", f"{key}:count"]
        self._args = [1.0 / per_second if per_second else 0.0, per_hour or 0]
        self._script = client.register_script(_RESERVE)

    def wait(self) -> None:
        """Block until one more send is allowed by the shared budget, and count it."""
        if not self.is_limited:
            return
        import redis

        try:
            delay = float(self._script(keys=self._keys, args=self._args))
        except redis.RedisError as exc:
            raise DeliveryError(
                f"cannot reach Redis for the shared rate limit: {exc}",
                hint="check [queue] url; the recipient stays pending for the next run",
            ) from exc
        if delay > 0:
            log.debug("shared rate limit: waiting %.3f s", delay)
            self._sleep(delay)
