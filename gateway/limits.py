"""Rate limits per user and per client address: token buckets, answered with 429.

Buckets live in the gateway process; with N gateway replicas each allows its share
(documented in the README). Configured by rate_limit_per_user / rate_limit_per_address
as "<requests>/<seconds>" (e.g. "600/60"); "0" switches one off.
"""
import math
import time
from threading import Lock


class TokenBucket:
    def __init__(self, capacity, per_seconds):
        self.capacity = float(capacity)
        self.rate = capacity / float(per_seconds)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self):
        """0 when a request may pass, else the seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    MAX_KEYS = 100_000  # an address flood cannot grow the table without bound

    def __init__(self, spec):
        self.capacity, self.per_seconds = parse(spec)
        self.buckets = {}
        self.lock = Lock()

    def retry_after(self, key):
        """None when the request may pass, else whole seconds to wait."""
        if not self.capacity:
            return None
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                if len(self.buckets) >= self.MAX_KEYS:
                    self.buckets.clear()
                bucket = self.buckets[key] = TokenBucket(self.capacity, self.per_seconds)
            wait = bucket.take()
        return None if wait == 0 else max(1, math.ceil(wait))


def parse(spec):
    spec = str(spec or "0").strip()
    if spec == "0":
        return 0, 1
    count, _, seconds = spec.partition("/")
    return int(count), float(seconds or 1)
