"""API keys: issued once, stored as a SHA-256 hash, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from researcher_pro.access.api_key_repository import ApiKeyRepository
from researcher_pro.core.clock import rfc3339
from researcher_pro.core.errors import Unauthorized

KEY_PREFIX = "rp_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyService:
    def __init__(self, repo: ApiKeyRepository, cache_seconds: float = 10.0) -> None:
        self._repo = repo
        self._cache_seconds = cache_seconds
        # A warm container remembers good keys briefly; a revoked key stops working within cache_seconds.
        self._recent: dict[str, tuple[str, float]] = {}

    def issue(self, tenant: str, key: str | None = None) -> tuple[str, str]:
        """Returns (key, key id). The key itself is never stored."""
        key = key or KEY_PREFIX + secrets.token_urlsafe(32)
        digest = hash_key(key)
        key_id = f"key_{digest[:12]}"
        self._repo.put(digest, tenant, key_id, rfc3339(datetime.now(UTC)))
        return key, key_id

    def revoke(self, key: str) -> bool:
        self._recent.pop(hash_key(key), None)
        return self._repo.delete(hash_key(key))

    def every_key(self) -> list[dict[str, Any]]:
        """Every tenant's keys, oldest first: id, tenant, created_at, disabled (never the key or its hash)."""
        keys = [
            {
                "key_id": k["key_id"],
                "tenant": k["tenant"],
                "created_at": k["created_at"],
                "disabled": bool(k.get("disabled")),
            }
            for k in self._repo.every_key()
        ]
        return sorted(keys, key=lambda k: (k["created_at"], k["key_id"]))

    def set_disabled(self, key: str, disabled: bool) -> bool:
        """Disable (or enable again) a key given itself (`rp_…`) or its id (`key_…`); False when there is none.
        A container that checked the key in the last `cache_seconds` may still take it that long."""
        if key.startswith(KEY_PREFIX):
            digest = hash_key(key)
        else:
            found = [k["key_hash"] for k in self._repo.every_key() if k["key_id"] == key]
            if len(found) != 1:
                return False
            digest = found[0]
        self._recent.pop(digest, None)
        return self._repo.set_disabled(digest, disabled)

    def authenticate(self, key: str | None) -> str:
        if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
            raise Unauthorized("a valid API key is required: Authorization: Bearer rp_…")
        digest = hash_key(key)
        cached = self._recent.get(digest)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        record = self._repo.find(digest)
        if record is None or not hmac.compare_digest(str(record["key_hash"]), digest):
            raise Unauthorized("the API key is not valid")
        if record.get("disabled"):
            raise Unauthorized("the API key is disabled")
        tenant = str(record["tenant"])
        self._recent[digest] = (tenant, time.monotonic() + self._cache_seconds)
        return tenant
