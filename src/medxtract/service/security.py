"""Credentials: API keys (`X-API-Key`, compared by SHA-256 hash only) and reviewer sign-ins
(Argon2 password hashes; a sign-in yields a bearer token that expires).

Every authenticated request has an identity: `reviewer:<name>` for a signed-in reviewer,
`key:<name>` for a database-issued key, `key:<hash prefix>` for a configured one. The audit
trail records it, never a name the client typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from medxtract.service.db import rowcount, utcnow
from medxtract.service.models import ApiKey, Reviewer, ReviewerSession

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD = 10


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_identity(key: str | None, configured_hashes: list[str], session: Session | None
                 ) -> str | None:
    if not key:
        return None
    digest = hash_key(key)
    ok = False
    for h in configured_hashes:  # no early exit: constant work per request
        ok |= hmac.compare_digest(digest, h)
    if ok:
        return f"key:{digest[:12]}"
    if session is None:
        return None
    name = session.execute(
        select(ApiKey.name).where(ApiKey.key_hash == digest, ApiKey.revoked.is_(False))
    ).scalar_one_or_none()
    return f"key:{name}" if name is not None else None


def check_key(key: str | None, configured_hashes: list[str], session: Session | None) -> bool:
    return key_identity(key, configured_hashes, session) is not None


def create_key(session: Session, name: str) -> str:
    """Issue a new key; only its hash is stored. Returns the key (shown once)."""
    key = "mx_" + secrets.token_urlsafe(32)
    session.add(ApiKey(key_hash=hash_key(key), name=name))
    return key


def revoke_key(session: Session, name: str) -> int:
    """Revoke every live database-issued key with this name. Returns how many."""
    res = session.execute(
        update(ApiKey).where(ApiKey.name == name, ApiKey.revoked.is_(False))
        .values(revoked=True).execution_options(synchronize_session=False)
    )
    return rowcount(res)


def create_reviewer(session: Session, username: str, password: str) -> Reviewer:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    row = Reviewer(username=username, password_hash=_hasher.hash(password))
    session.add(row)
    return row


def sign_in(session: Session, username: str, password: str, minutes: int
            ) -> tuple[str, Reviewer] | None:
    """A new bearer token for the reviewer, or None (unknown user or wrong password)."""
    row = session.execute(
        select(Reviewer).where(Reviewer.username == username, Reviewer.disabled.is_(False))
    ).scalar_one_or_none()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    now = utcnow()
    session.execute(delete(ReviewerSession).where(ReviewerSession.expires_at < now))
    token = "mxs_" + secrets.token_urlsafe(32)
    session.add(ReviewerSession(token_hash=hash_key(token), reviewer_id=row.id,
                                expires_at=now + timedelta(minutes=minutes)))
    return token, row


def token_identity(session: Session, token: str | None) -> str | None:
    if not token:
        return None
    name = session.execute(
        select(Reviewer.username)
        .join(ReviewerSession, ReviewerSession.reviewer_id == Reviewer.id)
        .where(ReviewerSession.token_hash == hash_key(token),
               ReviewerSession.expires_at > utcnow(), Reviewer.disabled.is_(False))
    ).scalar_one_or_none()
    return f"reviewer:{name}" if name is not None else None


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(ReviewerSession).where(ReviewerSession.token_hash == hash_key(token)))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
