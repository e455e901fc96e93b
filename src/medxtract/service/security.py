"""API keys: sent in `X-API-Key`, compared by SHA-256 hash only."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxtract.service.models import ApiKey


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_key(key: str | None, configured_hashes: list[str], session: Session | None) -> bool:
    if not key:
        return False
    digest = hash_key(key)
    ok = False
    for h in configured_hashes:  # no early exit: constant work per request
        ok |= hmac.compare_digest(digest, h)
    if ok or session is None:
        return ok
    row = session.execute(
        select(ApiKey.id).where(ApiKey.key_hash == digest, ApiKey.revoked.is_(False))
    ).first()
    return row is not None


def create_key(session: Session, name: str) -> str:
    """Issue a new key; only its hash is stored. Returns the key (shown once)."""
    key = "mx_" + secrets.token_urlsafe(32)
    session.add(ApiKey(key_hash=hash_key(key), name=name))
    return key


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
