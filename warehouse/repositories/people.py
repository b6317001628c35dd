"""A data subject's rows across the tenant: find them by email address, export them, erase them.

A person is found as a consultant and/or a contact with that address, and as the sender of inbound emails. The
rows they own (their records and everything hanging off them: skills, rates, availability, submissions and their
interviews/offers/placements, recommendations, feature snapshots, embeddings, attachments, tags, activities,
outbox events and their webhook deliveries, their emails and the quarantine rows of those) are exported or
deleted; then every other text, JSON and binary column of the tenant is searched for the address, the phone
numbers and the full names found, and those mentions are replaced by "[erased]" (text, JSON) or the row is deleted
(raw bytes: emails, files). The marts get the same treatment through `app.erase_from_marts` (the person's rows
deleted, mentions replaced). Everything runs in the caller's tenant transaction, so RLS (and, in the marts
function, its explicit tenant filter) bounds it to one tenant.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from warehouse import sealed

ERASED = "[erased]"


@dataclass
class Person:
    email: str
    consultant_ids: list[uuid.UUID] = field(default_factory=list)
    contact_ids: list[uuid.UUID] = field(default_factory=list)
    message_ids: list[uuid.UUID] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return bool(self.consultant_ids or self.contact_ids or self.message_ids)

    def needles(self) -> list[str]:
        """What identifies the person in free text. Single-word names are left out: erasing every "Ana" in the
        tenant would damage other people's records."""
        names = {n for n in self.names if len(n.split()) >= 2}
        return sorted({self.email, *self.phones, *names} - {""}, key=len, reverse=True)


def find_person(conn: sa.Connection, email: str) -> Person:
    person = Person(email=email.strip())
    email_index = sealed.keyring().blind_index(person.email, "email")
    for table, ids in (("consultant", person.consultant_ids), ("contact", person.contact_ids)):
        for found in conn.execute(sa.text(
                f"select id, full_name, phone from crm.{table} where {_EMAIL_MATCH}"),
                {"e": person.email, "bidx": email_index}).mappings():
            row = sealed.open_row(table, dict(found))
            ids.append(row["id"])
            person.names.add(row["full_name"] or "")
            if row["phone"]:
                person.phones.add(row["phone"])
    person.message_ids = list(conn.execute(sa.text(
        "select id from crm.inbound_message where lower(from_addr) = lower(:e)"), {"e": person.email}).scalars())
    return person


# a row not sealed yet (bulk load before `reseal`) still matches on its plaintext
_EMAIL_MATCH = "(email_bidx = :bidx or (email_bidx is null and lower(email) = lower(:e)))"


# (table, condition) in deletion order (children before parents). Parameters: c consultants, k contacts,
# ck both, m messages; `cascade` tables go with their parent and are listed for the export only.
_OWNED: tuple[tuple[str, str, bool], ...] = (
    ("feature_snapshot", "consultant_id = any(:c)", False),
    ("placement", "consultant_id = any(:c) or submission_id in "
                  "(select id from crm.submission where consultant_id = any(:c))", False),
    ("interview", "submission_id in (select id from crm.submission where consultant_id = any(:c))", False),
    ("offer", "submission_id in (select id from crm.submission where consultant_id = any(:c))", False),
    ("submission", "consultant_id = any(:c)", False),
    ("recommendation", "consultant_id = any(:c)", False),
    ("match_run", "anchor_id = any(:c) and direction = 'consultant_to_requirements'", False),
    ("embedding", "entity_type = 'consultant' and entity_id = any(:c)", False),
    ("attachment", "entity_id = any(:ck)", False),
    ("entity_tag", "entity_id = any(:ck)", False),
    ("activity", "consultant_id = any(:c) or contact_id = any(:k)", False),
    ("webhook_event", "outbox_event_id in (select event_id from crm.outbox where aggregate_id = any(:ck))", False),
    ("outbox", "aggregate_id = any(:ck)", False),
    ("consultant_skill", "consultant_id = any(:c)", True),
    ("availability", "consultant_id = any(:c)", True),
    ("rate_card", "consultant_id = any(:c)", True),
    ("consultant", "id = any(:c)", False),
    ("contact", "id = any(:k)", False),
    ("quarantine", "message_id = any(:m)", False),
    ("inbound_message", "id = any(:m)", False),
)
_EXPORT_ORDER = ("consultant", "contact", "consultant_skill", "availability", "rate_card", "submission", "interview",
                 "offer", "placement", "recommendation", "feature_snapshot", "match_run", "embedding", "attachment",
                 "entity_tag", "activity", "outbox", "webhook_event", "inbound_message", "quarantine")


def _params(person: Person) -> dict[str, Any]:
    return {"c": person.consultant_ids, "k": person.contact_ids, "ck": person.consultant_ids + person.contact_ids,
            "m": person.message_ids}


def mention_pattern(person: Person) -> str:
    # Postgres ARE: a backslash before a non-alphanumeric character makes it literal.
    return "|".join(re.sub(r"([^\w\s])", r"\\\1", n) for n in person.needles())


def mention_columns(conn: sa.Connection) -> list[tuple[str, str, str]]:
    """(table, column, data_type) of every text, JSON and binary column of the tenant tables the app may write."""
    return [tuple(r) for r in conn.execute(sa.text(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns c "
        "join information_schema.columns t on t.table_schema = c.table_schema and t.table_name = c.table_name "
        "and t.column_name = 'tenant_id' "
        "join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name "
        "and tb.table_type = 'BASE TABLE' "
        "where c.table_schema = 'crm' and c.data_type in ('text', 'jsonb', 'bytea') and c.is_generated = 'NEVER' "
        "and c.table_name not in ('privacy_request') "
        "order by c.table_name, c.column_name"))]


def _mentions(conn: sa.Connection, person: Person) -> dict[str, int]:
    """Rows per table.column that mention the person outside the rows they own."""
    pattern = mention_pattern(person)
    out: dict[str, int] = {}
    if not pattern:
        return out
    for table, column, dtype in mention_columns(conn):
        n = conn.execute(sa.text(f"select count(*) from crm.{table} where {_mentions_sql(column, dtype)}"),
                         {"p": pattern, "needles": _byte_needles(person)}).scalar()
        if n:
            out[f"{table}.{column}"] = n
    return out


def _byte_needles(person: Person) -> list[bytes]:
    return sorted({v for n in person.needles() for v in (n.encode(), n.lower().encode())})


def _mentions_sql(column: str, dtype: str) -> str:
    if dtype == "bytea":
        return (f"{column} is not null and exists (select 1 from unnest(cast(:needles as bytea[])) n "
                f"where position(n in {column}) > 0)")
    if dtype == "jsonb":
        return f"{column}::text ~* :p"
    return f"{column} ~* :p"


def export(conn: sa.Connection, person: Person) -> dict[str, Any]:
    params = _params(person)
    where = {table: cond for table, cond, _ in _OWNED}
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in _EXPORT_ORDER:
        rows = [sealed.open_row(table, dict(r)) for r in conn.execute(
            sa.text(f"select * from crm.{table} where {where[table]}"), params).mappings()]
        if rows:
            tables[table] = rows
    return {"tables": tables, "mentions": _mentions(conn, person)}


def erase(conn: sa.Connection, person: Person) -> dict[str, int]:
    """Delete what the person owns, then scrub or delete every mention. Returns rows affected per table/column."""
    counts: dict[str, int] = {}
    pattern = mention_pattern(person)  # before the rows that carry the names and phones go
    params = _params(person)
    for table, cond, cascade in _OWNED:
        if cascade:
            continue
        n = conn.execute(sa.text(f"delete from crm.{table} where {cond}"), params).rowcount
        if n:
            counts[table] = n
    if person.consultant_ids or person.contact_ids or pattern:
        counts.update(erase_from_marts(conn, person, pattern))
    if not pattern:
        return counts
    for table, column, dtype in mention_columns(conn):
        match = _mentions_sql(column, dtype)
        args = {"p": pattern, "needles": _byte_needles(person), "erased": ERASED}
        if dtype == "bytea":
            n = conn.execute(sa.text(f"delete from crm.{table} where {match}"), args).rowcount
        elif dtype == "jsonb":
            n = conn.execute(sa.text(
                f"update crm.{table} set {column} = regexp_replace({column}::text, :p, :erased, 'gi')::jsonb "
                f"where {match}"), args).rowcount
        else:
            n = conn.execute(sa.text(
                f"update crm.{table} set {column} = regexp_replace({column}, :p, :erased, 'gi') where {match}"),
                args).rowcount
        if n:
            counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + n
    return counts


def erase_from_marts(conn: sa.Connection, person: Person, pattern: str) -> dict[str, int]:
    """The person's rows and mentions in the tenant's marts (migration 0025): the incremental facts would keep rows
    whose crm source is gone, and the table marts the name until their next build."""
    return {f"marts.{target}": affected for target, affected in conn.execute(sa.text(
        "select target, affected from app.erase_from_marts(cast(:ids as uuid[]), :p, :erased)"),
        {"ids": person.consultant_ids + person.contact_ids, "p": pattern, "erased": ERASED})}


def record_request(conn: sa.Connection, *, tenant_id: uuid.UUID, action: str, subject_hash: str,
                   actor_id: uuid.UUID | None, request_id: str | None, counts: dict[str, int]) -> uuid.UUID:
    import json

    return conn.execute(sa.text(
        "insert into crm.privacy_request (tenant_id, action, subject_hash, actor_id, request_id, counts) "
        "values (:t, :a, :h, :actor, :rid, cast(:counts as jsonb)) returning id"),
        {"t": tenant_id, "a": action, "h": subject_hash, "actor": actor_id, "rid": request_id,
         "counts": json.dumps(counts)}).scalar_one()
