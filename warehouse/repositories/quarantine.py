"""crm.quarantine: inputs that could not be parsed or validated, kept with the reason and the raw bytes.

Writes are idempotent per (entity type, content hash): re-importing the same bad input adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

# Raw bytes kept per row; an oversized input is kept truncated (its size and hash are in `detail`/`content_hash`).
MAX_RAW_BYTES = 1024 * 1024


class QuarantineRow(BaseModel):
    id: uuid.UUID
    source: str
    entity_type: str
    reason: str
    detail: str | None
    message_id: uuid.UUID | None
    content_hash: str | None
    raw_size: int
    raw_preview: str
    created_at: datetime


def add_quarantine(conn: sa.Connection, *, tenant_id: uuid.UUID, source: str, entity_type: str, reason: str,
                   raw: bytes | None, content_hash: str | None, detail: str | None = None,
                   message_id: uuid.UUID | None = None) -> uuid.UUID:
    """Record one rejected input; return its quarantine id (the existing one if already recorded)."""
    kept = raw[:MAX_RAW_BYTES] if raw is not None else None
    if raw is not None and len(raw) > MAX_RAW_BYTES:
        detail = f"{detail + '; ' if detail else ''}raw truncated to {MAX_RAW_BYTES} of {len(raw)} bytes"
    inserted = conn.execute(sa.text(
        "insert into crm.quarantine (tenant_id, source, entity_type, reason, detail, raw, message_id, content_hash) "
        "values (:t, :source, :etype, :reason, :detail, :raw, :mid, :hash) "
        "on conflict (tenant_id, entity_type, content_hash) where content_hash is not null do nothing "
        "returning id"),
        {"t": tenant_id, "source": source, "etype": entity_type, "reason": reason, "detail": detail, "raw": kept,
         "mid": message_id, "hash": content_hash}).scalar()
    if inserted is not None:
        return inserted
    return conn.execute(sa.text(
        "select id from crm.quarantine where entity_type = :etype and content_hash = :hash"),
        {"etype": entity_type, "hash": content_hash}).scalar_one()


def list_quarantine(conn: sa.Connection, *, limit: int = 50, offset: int = 0,
                    entity_type: str | None = None) -> list[QuarantineRow]:
    """Newest first. The raw bytes are summarised (size and a text preview); fetch one row for all of them."""
    rows = conn.execute(sa.text(
        "select id, source, entity_type, reason, detail, message_id, content_hash, "
        "coalesce(length(raw), 0) as raw_size, "
        "substring(coalesce(raw, ''::bytea) from 1 for 300) as raw_head, created_at "
        "from crm.quarantine where (cast(:etype as text) is null or entity_type = :etype) "
        "order by created_at desc, id desc limit :limit offset :offset"),
        {"etype": entity_type, "limit": limit, "offset": offset}).mappings()
    return [QuarantineRow(**{k: v for k, v in row.items() if k != "raw_head"}, raw_preview=_preview(row["raw_head"]))
            for row in rows]


def keyset_page(conn: sa.Connection, *, reason: str | None, after: tuple[datetime, uuid.UUID] | None,
                limit: int) -> list[dict]:
    """The API's page: newest first, strictly after the keyset cursor (created_at, id); one reason, or all."""
    where, params = ["true"], {"limit": limit}
    if reason:
        where.append("reason = :reason")
        params["reason"] = reason
    if after:
        where.append("(created_at, id) < (:c_at, :c_id)")
        params["c_at"], params["c_id"] = after
    return [dict(r) for r in conn.execute(sa.text(
        "select id, source, entity_type, reason, detail, message_id, created_at from crm.quarantine "
        f"where {' and '.join(where)} order by created_at desc, id desc limit :limit"), params).mappings()]


def _preview(head: bytes | None) -> str:
    """Printable text of the first bytes (binary junk shown as U+FFFD, never as control characters)."""
    text = bytes(head or b"").decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)


def get_quarantine_raw(conn: sa.Connection, *, quarantine_id: uuid.UUID) -> bytes | None:
    value = conn.execute(sa.text("select raw from crm.quarantine where id = :id"), {"id": quarantine_id}).scalar()
    return bytes(value) if value is not None else None


def count_by_reason(conn: sa.Connection, *, since: datetime | None = None) -> dict[str, int]:
    """Quarantine rows per reason code (the part of the reason before ':')."""
    rows = conn.execute(sa.text(
        "select split_part(reason, ':', 1) as code, count(*) from crm.quarantine "
        "where cast(:since as timestamptz) is null or created_at >= :since group by 1 order by 2 desc"),
        {"since": since})
    return {code: int(n) for code, n in rows}
