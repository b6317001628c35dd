"""crm.inbound_message: every raw message we received, exactly once per (tenant, Message-ID), with its status."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

TERMINAL = ("parsed", "duplicate", "not_requirement", "quarantined")


class StoredMessage(BaseModel):
    id: uuid.UUID
    source: str
    message_id: str
    status: str
    requirement_id: uuid.UUID | None
    status_reason: str | None
    received_at: datetime
    content_hash: str


class PendingMessage(BaseModel):
    id: uuid.UUID
    source: str
    message_id: str
    raw: bytes
    received_at: datetime
    origin_requirement_id: uuid.UUID | None  # set when the demo world/importer already created its requirement


_COLUMNS = "id, source, message_id, status, requirement_id, status_reason, received_at, content_hash"


def get_message(conn: sa.Connection, *, message_id: str) -> StoredMessage | None:
    """By Message-ID, with or without the angle brackets (importers differ in how they store it)."""
    bare = message_id.strip().strip("<>").strip()
    row = conn.execute(sa.text(f"select {_COLUMNS} from crm.inbound_message where message_id in (:m, :bracketed) "
                               "order by created_at limit 1"),
                       {"m": bare, "bracketed": f"<{bare}>"}).mappings().first()
    return StoredMessage(**row) if row else None


def insert_message(conn: sa.Connection, *, tenant_id: uuid.UUID, source: str, message_id: str, raw: bytes,
                   subject: str | None, from_addr: str | None, received_at: datetime, content_hash: str,
                   status: str = "new", status_reason: str | None = None) -> tuple[StoredMessage, bool]:
    """Insert unless the Message-ID is known. Returns (the stored row, whether it was inserted now)."""
    row = conn.execute(sa.text(
        "insert into crm.inbound_message (tenant_id, source, message_id, raw, subject, from_addr, received_at, "
        "content_hash, status, status_reason) values (:t, :source, :mid, :raw, :subject, :from_addr, :received_at, "
        f":hash, :status, :reason) on conflict (tenant_id, message_id) do nothing returning {_COLUMNS}"),
        {"t": tenant_id, "source": source, "mid": message_id, "raw": raw, "subject": subject,
         "from_addr": from_addr, "received_at": received_at, "hash": content_hash, "status": status,
         "reason": status_reason}).mappings().first()
    if row is not None:
        return StoredMessage(**row), True
    existing = get_message(conn, message_id=message_id)
    assert existing is not None  # the conflict proves it exists and RLS shows our own tenant's rows
    return existing, False


def claim_pending(conn: sa.Connection, *, limit: int) -> list[PendingMessage]:
    """Lock up to `limit` messages with status 'new' (skipping rows another worker holds).

    Messages that are the origin of an existing requirement go first, then by arrival: a vendor's copy is then
    compared with a requirement that is already extracted and embedded.
    """
    rows = conn.execute(sa.text(
        "select m.id, m.source, m.message_id, m.raw, m.received_at, s.requirement_id as origin_requirement_id "
        "from crm.inbound_message m "
        "left join crm.requirement_source s on s.message_id = m.id and s.merge_reason = 'origin' "
        "where m.status = 'new' "
        "order by (s.requirement_id is null), m.received_at, m.id limit :limit "
        "for update of m skip locked"), {"limit": limit}).mappings()
    return [PendingMessage(**{**row, "raw": bytes(row["raw"])}) for row in rows]


def lock_message(conn: sa.Connection, *, id: uuid.UUID) -> str | None:
    """Lock one message row for processing; return its current status."""
    return conn.execute(sa.text("select status from crm.inbound_message where id = :id for update"),
                        {"id": id}).scalar()


def origin_requirement_id(conn: sa.Connection, *, message_uuid: uuid.UUID) -> uuid.UUID | None:
    return conn.execute(sa.text(
        "select requirement_id from crm.requirement_source where message_id = :m and merge_reason = 'origin'"),
        {"m": message_uuid}).scalar()


def update_message(conn: sa.Connection, *, id: uuid.UUID, status: str, status_reason: str | None = None,
                   requirement_id: uuid.UUID | None = None, subject: str | None = None,
                   from_addr: str | None = None, content_hash: str | None = None) -> None:
    conn.execute(sa.text(
        "update crm.inbound_message set status = :status, status_reason = :reason, requirement_id = :req, "
        "subject = coalesce(:subject, subject), from_addr = coalesce(:from_addr, from_addr), "
        "content_hash = coalesce(:hash, content_hash) where id = :id"),
        {"id": id, "status": status, "reason": status_reason, "req": requirement_id, "subject": subject,
         "from_addr": from_addr, "hash": content_hash})


def status_counts(conn: sa.Connection, *, since: datetime | None = None) -> dict[str, int]:
    rows = conn.execute(sa.text(
        "select status, count(*) from crm.inbound_message "
        "where cast(:since as timestamptz) is null or created_at >= :since group by status"), {"since": since})
    return {status: int(n) for status, n in rows}


def duplicate_message_ids(conn: sa.Connection) -> int:
    """Message-IDs stored more than once, compared without brackets and case (the unique constraint alone
    would miss `<a@b>` vs `a@b`)."""
    return int(conn.execute(sa.text(
        "select count(*) from (select lower(trim(both '<> ' from message_id)) from crm.inbound_message "
        "group by 1 having count(*) > 1) d")).scalar_one())
