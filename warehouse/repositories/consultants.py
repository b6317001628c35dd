"""crm.consultant and crm.consultant_skill: writes from resume imports and skill normalization."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from warehouse import sealed


@dataclass(frozen=True)
class ConsultantFields:
    full_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    resume_text: str | None = None
    years_experience: float | None = None
    city: str | None = None
    state: str | None = None
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    hourly_rate: float | None = None
    visa_status: str | None = None
    available_from: date | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class ConsultantSkillRow:
    raw_name: str
    skill_id: int | None
    years: float | None = None
    is_primary: bool = False
    position: int | None = None  # 0 = first in the resume's skill list


def find_consultant(conn: sa.Connection, *, email: str | None, content_hash: str | None) -> uuid.UUID | None:
    """The same person: by e-mail address (case-insensitive, through its blind index) first, else the same resume
    text. (A row not sealed yet — a bulk load before `reseal` — still matches on its plaintext.)"""
    if email:
        found = conn.execute(sa.text(
            "select id from crm.consultant where (email_bidx = :bidx or (email_bidx is null and lower(email) = "
            "lower(:e))) and deleted_at is null order by created_at limit 1"),
            {"e": email, "bidx": sealed.blind_index("consultant", "email", email)}).scalar()
        if found is not None:
            return found
    if content_hash:
        return conn.execute(sa.text(
            "select id from crm.consultant where content_hash = :h and deleted_at is null "
            "order by created_at limit 1"), {"h": content_hash}).scalar()
    return None


def content_hash_of(conn: sa.Connection, *, consultant_id: uuid.UUID) -> str | None:
    return conn.execute(sa.text("select content_hash from crm.consultant where id = :id"),
                        {"id": consultant_id}).scalar()


def insert_consultant(conn: sa.Connection, *, tenant_id: uuid.UUID, fields: ConsultantFields) -> uuid.UUID:
    params = sealed.seal("consultant", dict(fields.__dict__))
    return conn.execute(sa.text(
        f"insert into crm.consultant (tenant_id, {', '.join(params)}) values (:tenant_id, "
        + ", ".join(f":{c}" for c in params) + ") returning id"), {**params, "tenant_id": tenant_id}).scalar_one()


def update_from_resume(conn: sa.Connection, *, consultant_id: uuid.UUID, fields: ConsultantFields) -> None:
    """A newer resume: its text and extracted facts replace the old ones; what it does not say is kept."""
    params = sealed.seal("consultant", dict(fields.__dict__))
    sets = ", ".join(f"{c} = coalesce(:{c}, {c})" for c in params)
    conn.execute(sa.text(f"update crm.consultant set {sets}, version = version + 1, updated_at = now() "
                         "where id = :id"), {**params, "id": consultant_id})


def replace_skills(conn: sa.Connection, *, tenant_id: uuid.UUID, consultant_id: uuid.UUID,
                   skills: Sequence[ConsultantSkillRow]) -> int:
    conn.execute(sa.text("delete from crm.consultant_skill where consultant_id = :c"), {"c": consultant_id})
    unique = {s.raw_name: s for s in skills}
    if unique:
        conn.execute(sa.text(
            "insert into crm.consultant_skill (tenant_id, consultant_id, skill_id, raw_name, years, is_primary, "
            "position) values (:t, :c, :skill_id, :raw_name, :years, :is_primary, :position)"),
            [{"t": tenant_id, "c": consultant_id, **s.__dict__} for s in unique.values()])
    return len(unique)


def unresolved_skill_names(conn: sa.Connection) -> list[str]:
    """Distinct raw names of consultant skills not yet mapped to the taxonomy."""
    return list(conn.execute(sa.text(
        "select distinct raw_name from crm.consultant_skill where skill_id is null order by 1")).scalars())


def set_skill_ids(conn: sa.Connection, *, table: str, mapping: dict[str, int]) -> int:
    """Set skill_id on every unresolved row of `table` whose raw name is in `mapping`. Returns rows updated."""
    if table not in ("consultant_skill", "requirement_skill"):
        raise ValueError(f"not a skill table: {table}")
    if not mapping:
        return 0
    result = conn.execute(sa.text(
        f"update crm.{table} s set skill_id = m.skill_id from unnest(cast(:names as text[]), cast(:ids as int[])) "
        "as m(raw_name, skill_id) where s.raw_name = m.raw_name and s.skill_id is null"),
        {"names": list(mapping), "ids": list(mapping.values())})
    return result.rowcount


def skill_resolution(conn: sa.Connection, *, table: str) -> tuple[int, int]:
    """(rows with a skill_id, all rows) of consultant_skill or requirement_skill."""
    if table not in ("consultant_skill", "requirement_skill"):
        raise ValueError(f"not a skill table: {table}")
    row = conn.execute(sa.text(f"select count(skill_id), count(*) from crm.{table}")).first()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class ConsultantEmbeddingInput:
    id: uuid.UUID
    title: str | None
    summary: str | None
    resume_text: str | None
    years_experience: float | None
    skills: list[str]


def embedding_inputs(conn: sa.Connection, *, ids: Sequence[uuid.UUID] | None = None) -> list[ConsultantEmbeddingInput]:
    rows = conn.execute(sa.text(
        "select c.id, c.title, c.summary, c.resume_text, c.years_experience, "
        "coalesce(array_agg(coalesce(k.canonical_name, s.raw_name) order by coalesce(k.canonical_name, s.raw_name))"
        " filter (where s.id is not null), '{}') as skills "
        "from crm.consultant c left join crm.consultant_skill s on s.consultant_id = c.id "
        "left join crm.skill k on k.id = s.skill_id "
        "where c.deleted_at is null and (cast(:ids as uuid[]) is null or c.id = any(:ids)) group by c.id"),
        {"ids": list(ids) if ids is not None else None}).mappings()
    return [ConsultantEmbeddingInput(**{**r, "years_experience": float(r["years_experience"])
                                        if r["years_experience"] is not None else None}) for r in rows]


def count_consultants(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("select count(*) from crm.consultant where deleted_at is null")).scalar_one())
