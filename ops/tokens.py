"""Per-user API tokens for field apps and department systems.

A token is shown once when it is made; only its SHA-256 is stored. It acts as its user,
with the user's role and region, and stops working when revoked or when the user is
disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import users
from ops.schema import api_tokens

PREFIX = "jz_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(engine: Engine, username: str, name: str) -> tuple[int, str]:
    """A new token for ``username``: (id, the token itself, shown only now)."""
    if users.get(engine, username) is None:
        raise users.UserError(f"no user {username}")
    if not name or len(name) > 100:
        raise users.UserError("a token needs a name of at most 100 characters")
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        token_id = conn.execute(
            api_tokens.insert().values(
                username=username, name=name, token_hash=_hash(token), created_at=datetime.now(UTC)
            )
        ).inserted_primary_key[0]
    return token_id, token


def revoke(engine: Engine, token_id: int) -> None:
    with engine.begin() as conn:
        n = conn.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        ).rowcount
    if n == 0:
        raise users.UserError(f"no active token {token_id}")


def user_for(engine: Engine, token: str) -> users.User | None:
    """The active user a presented token belongs to, or None."""
    if not token or not token.startswith(PREFIX) or len(token) > 100:
        return None
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(api_tokens.c.id, api_tokens.c.username).where(
                api_tokens.c.token_hash == _hash(token), api_tokens.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        now = datetime.now(UTC)
        # Recorded at most every five minutes: no write per request.
        conn.execute(
            api_tokens.update()
            .where(
                api_tokens.c.id == row.id,
                sa.or_(
                    api_tokens.c.last_used_at.is_(None),
                    api_tokens.c.last_used_at < now - timedelta(minutes=5),
                ),
            )
            .values(last_used_at=now)
        )
    user = users.get(engine, row.username)
    return user if user and user.active else None


def list_tokens(engine: Engine, username: str | None = None) -> list[dict]:
    q = sa.select(
        api_tokens.c.id,
        api_tokens.c.username,
        api_tokens.c.name,
        api_tokens.c.created_at,
        api_tokens.c.last_used_at,
        api_tokens.c.revoked_at,
    )
    if username:
        q = q.where(api_tokens.c.username == username)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(api_tokens.c.id))]
