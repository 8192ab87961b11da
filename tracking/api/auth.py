"""API keys and the per-key rate limit.

A key is ``ssi_`` followed by 43 random URL-safe characters. The database keeps
only its SHA-256, so a stolen backup gives no working keys; a SHA-256 (not a
slow password hash) is enough because the key has 256 bits of entropy.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils import timezone

from tracking.models import ApiToken, User

log = logging.getLogger(__name__)

KEY_PREFIX = "ssi_"
# last_used_at is written at most this often per key, so a script pushing
# every few seconds does not turn every read into a write.
LAST_USED_RESOLUTION = 60


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(
    user: User, name: str, *, can_write_for_anyone: bool = False, scope: str = ApiToken.Scope.FULL
) -> tuple[ApiToken, str]:
    """Make a key for ``user``. Returns the stored row and the key, which is
    never stored and must be shown to the person now. A capture key (the
    browser extension's) can only record its owner's own SSI page."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_key(key),
        prefix=key[: len(KEY_PREFIX) + 6],
        can_write_for_anyone=can_write_for_anyone and user.is_staff and scope == ApiToken.Scope.FULL,
        scope=scope,
    )
    return token, key


def token_from_header(header: str) -> ApiToken | None:
    """The active token named by an ``Authorization: Bearer …`` header, or None."""
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def writes_for_anyone(token: ApiToken) -> bool:
    """An admin's key made to write for anyone stops doing so once its owner is no longer an admin."""
    return token.can_write_for_anyone and token.user.is_staff


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


_client: redis.Redis | None = None
# Without Redis every request would log the same warning; once a minute is enough.
WARNING_INTERVAL = 60
_last_warning = float("-inf")


def _warn(message: str, *args) -> None:
    global _last_warning
    if time.monotonic() - _last_warning >= WARNING_INTERVAL:
        _last_warning = time.monotonic()
        log.warning(message, *args)


def _redis() -> redis.Redis | None:
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _client


def check_rate(token: ApiToken) -> RateDecision:
    """Count one request against the key's fixed window (``API_RATE_LIMIT``
    requests per ``API_RATE_WINDOW`` seconds), shared by every web process
    through Redis. Without Redis the API stays up (fail open) and says so in the log."""
    limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW
    now = int(time.time())
    window_start = now - now % window
    retry_after = window_start + window - now
    # Keyed by the key's hash, not its id: ids repeat across databases sharing one Redis.
    name = f"ssi:api-rate:{token.key_hash[:24]}:{window_start}"
    client = _redis()
    if client is None:
        _warn("API rate limit not enforced: no Redis configured")
        return RateDecision(True, limit, limit, retry_after)
    try:
        pipe = client.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 5)
        count = pipe.execute()[0]
    except redis.RedisError as err:
        _warn("API rate limit not enforced: Redis unavailable (%s)", err)
        return RateDecision(True, limit, limit, retry_after)
    return RateDecision(count <= limit, limit, max(limit - count, 0), retry_after)
