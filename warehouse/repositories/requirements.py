"""crm.requirement and its children (requirement_skill, requirement_source): writes from the ingestion pipeline and
the lookups its dedupe rules need."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import sqlalchemy as sa

from warehouse.queries.matching import skill_taxonomy_stamp
from warehouse.repositories.embeddings import as_vector
from warehouse.schema import row_model

# What the ingestion pipeline writes of a requirement: every column but the system ones and those the workflow owns
# (status, arrival, extraction status, recruiter), typed from warehouse.schema.
RequirementFields = row_model(
    "RequirementFields", "requirement", required=("title",), defaults={"country": "US"},
    exclude=frozenset({"status", "received_at", "extraction_status", "recruiter_id"}),
    doc="Structured fields of a requirement as the pipeline writes them (all nullable except the title).")


@dataclass(frozen=True)
class SkillRow:
    raw_name: str
    skill_id: int | None
    is_required: bool = True
    min_years: float | None = None


def _params(fields: RequirementFields) -> dict:
    params = dict(fields.__dict__)
    params["extraction"] = json.dumps(fields.extraction, default=str) if fields.extraction is not None else None
    return params


def insert_requirement(conn: sa.Connection, *, tenant_id: uuid.UUID, fields: RequirementFields,
                       received_at: datetime) -> uuid.UUID:
    params = _params(fields)
    cols = list(params)
    return conn.execute(sa.text(
        f"insert into crm.requirement (tenant_id, received_at, extraction_status, {', '.join(cols)}) "
        f"values (:tenant_id, :received_at, 'extracted', "
        + ", ".join("cast(:extraction as jsonb)" if c == "extraction" else f":{c}" for c in cols)
        + ") returning id"), {**params, "tenant_id": tenant_id, "received_at": received_at}).scalar_one()


def apply_extraction(conn: sa.Connection, *, requirement_id: uuid.UUID, fields: RequirementFields) -> None:
    """Fill a requirement created before extraction (e.g. by the demo world from its first email).

    What the creator already knew (title, description, ids, companies) wins; the extracted structure fills the rest.
    A field this email leaves out keeps what a duplicate copy may already have filled in (`fill_gaps`).
    """
    conn.execute(sa.text(
        "update crm.requirement set "
        "description = coalesce(description, :description), raw_subject = coalesce(raw_subject, :raw_subject), "
        "external_id = coalesce(external_id, :external_id), "
        "end_client_name = coalesce(end_client_name, :end_client_name), "
        "client_company_id = coalesce(client_company_id, :client_company_id), "
        "vendor_company_id = coalesce(vendor_company_id, :vendor_company_id), "
        "city = coalesce(:city, city), state = coalesce(:state, state), country = coalesce(:country, country), "
        "lat = coalesce(:lat, lat), lon = coalesce(:lon, lon), timezone = coalesce(:timezone, timezone), "
        "work_mode = coalesce(:work_mode, work_mode), bill_rate_max = coalesce(:bill_rate_max, bill_rate_max), "
        "employment_terms = coalesce(:employment_terms, employment_terms), "
        "duration_months = coalesce(:duration_months, duration_months), "
        "start_date = coalesce(:start_date, start_date), min_years = coalesce(:min_years, min_years), "
        "seniority = coalesce(:seniority, seniority), visa_accepted = coalesce(:visa_accepted, visa_accepted), "
        "domains = coalesce(:domains, domains), "
        "extraction = cast(:extraction as jsonb), extraction_status = 'extracted', "
        "content_hash = :content_hash, dedupe_key = coalesce(dedupe_key, :dedupe_key), "
        "version = version + 1, updated_at = now() where id = :id"),
        {**_params(fields), "id": requirement_id})


# Fields a later copy of the same requirement may know when the first one did not say (vendors forward the same
# requirement with small edits: one states the visa policy, another the start date or the years).
GAP_FIELDS = ("end_client_name", "client_company_id", "work_mode", "bill_rate_max", "employment_terms",
              "duration_months", "start_date", "min_years", "seniority", "visa_accepted", "domains")
LOCATION_FIELDS = ("city", "state", "lat", "lon", "timezone")


def fill_gaps(conn: sa.Connection, *, requirement_id: uuid.UUID, fields: RequirementFields) -> list[str]:
    """Set the requirement's still-empty fields from a duplicate copy's extraction; what is already known is never
    overwritten. The location moves as one (a city from one email and coordinates from another would disagree).
    Returns the names of the fields filled."""
    columns = (*GAP_FIELDS, *LOCATION_FIELDS)
    row = conn.execute(sa.text(f"select {', '.join(columns)} from crm.requirement where id = :id for update"),
                       {"id": requirement_id}).mappings().first()
    if row is None:
        return []

    def empty(value: object) -> bool:
        return value is None or value == [] or value == ""

    updates = {k: getattr(fields, k) for k in GAP_FIELDS if empty(row[k]) and not empty(getattr(fields, k))}
    if row["lat"] is None and fields.lat is not None and fields.lon is not None:
        updates.update({k: getattr(fields, k) for k in LOCATION_FIELDS})
    if updates:
        conn.execute(sa.text(
            "update crm.requirement set " + ", ".join(f"{k} = :{k}" for k in updates)
            + ", version = version + 1, updated_at = now() where id = :id"), {**updates, "id": requirement_id})
    return sorted(updates)


def external_id_taken(conn: sa.Connection, *, external_id: str) -> bool:
    return conn.execute(sa.text("select 1 from crm.requirement where external_id = :e"),
                        {"e": external_id}).scalar() is not None


def replace_skills(conn: sa.Connection, *, tenant_id: uuid.UUID, requirement_id: uuid.UUID,
                   skills: Sequence[SkillRow]) -> int:
    """Delete-then-insert the requirement's skills (idempotent for the same extraction)."""
    conn.execute(sa.text("delete from crm.requirement_skill where requirement_id = :r"), {"r": requirement_id})
    unique = {s.raw_name: s for s in skills}  # (requirement, raw_name) is unique
    if unique:
        conn.execute(sa.text(
            "insert into crm.requirement_skill (tenant_id, requirement_id, skill_id, raw_name, is_required, "
            "min_years) values (:t, :r, :skill_id, :raw_name, :is_required, :min_years)"),
            [{"t": tenant_id, "r": requirement_id, **s.__dict__} for s in unique.values()])
    return len(unique)


def add_source(conn: sa.Connection, *, tenant_id: uuid.UUID, requirement_id: uuid.UUID, message_id: uuid.UUID,
               received_at: datetime, merge_reason: str, similarity: float | None = None,
               vendor_company_id: uuid.UUID | None = None, rate_quoted: float | None = None) -> bool:
    """Record that `message_id` is a source of the requirement. Returns False if it already was."""
    inserted = conn.execute(sa.text(
        "insert into crm.requirement_source (tenant_id, requirement_id, message_id, vendor_company_id, rate_quoted, "
        "merge_reason, similarity, received_at) values (:t, :r, :m, :v, :rate, :reason, :sim, :at) "
        "on conflict (tenant_id, message_id) do nothing returning id"),
        {"t": tenant_id, "r": requirement_id, "m": message_id, "v": vendor_company_id, "rate": rate_quoted,
         "reason": merge_reason, "sim": similarity, "at": received_at}).scalar()
    return inserted is not None


# ----------------------------------------------------------------------------------------------- dedupe lookups


def find_by_external_id(conn: sa.Connection, *, external_ids: Sequence[str]) -> uuid.UUID | None:
    ids = [e for e in external_ids if e]
    if not ids:
        return None
    return conn.execute(sa.text(
        "select id from crm.requirement where upper(external_id) = any(:ids) and deleted_at is null "
        "order by received_at limit 1"), {"ids": [e.upper() for e in ids]}).scalar()


# Dedupe candidates come back as (id, state, external_id, received_at, city) tuples.
Candidate = tuple[uuid.UUID, str | None, str | None, datetime, str | None]


def find_by_content_hash(conn: sa.Connection, *, content_hash: str) -> list[Candidate]:
    rows = conn.execute(sa.text(
        "select id, state, external_id, received_at, city from crm.requirement where content_hash = :h "
        "and deleted_at is null order by received_at limit 20"), {"h": content_hash})
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def find_by_dedupe_key(conn: sa.Connection, *, dedupe_key: str, since: datetime,
                       until: datetime) -> list[Candidate]:
    rows = conn.execute(sa.text(
        "select id, state, external_id, received_at, city from crm.requirement where dedupe_key = :k "
        "and received_at between :since and :until and deleted_at is null order by received_at limit 20"),
        {"k": dedupe_key, "since": since, "until": until})
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def nearest_by_embedding(conn: sa.Connection, *, vector: Sequence[float], model: str, limit: int = 10,
                         exclude: uuid.UUID | None = None) -> list[tuple]:
    """The most similar requirements for this model via the HNSW index:
    (id, state, external_id, received_at, cosine similarity, title, skills, client name, city), most similar
    first."""
    rows = conn.execute(sa.text(
        "with near as (select r.id, r.state, r.external_id, r.received_at, r.city, "
        "  1 - (e.vector <=> :v) as similarity, r.title, "
        "  coalesce((select c.name from crm.company c where c.id = r.client_company_id), r.end_client_name) "
        "  as client from crm.embedding e join crm.requirement r on r.id = e.entity_id "
        "  where e.entity_type = 'requirement' and e.model = :model and r.deleted_at is null "
        "  and (cast(:exclude as uuid) is null or r.id <> :exclude) "
        "  order by e.vector <=> :v limit :limit) "
        "select n.*, coalesce((select array_agg(coalesce(k.canonical_name, s.raw_name)) "
        "  from crm.requirement_skill s left join crm.skill k on k.id = s.skill_id "
        "  where s.requirement_id = n.id), '{}') as skills from near n order by n.similarity desc"),
        {"v": as_vector(vector), "model": model, "exclude": exclude, "limit": limit}).mappings().all()
    return [(r["id"], r["state"], r["external_id"], r["received_at"], float(r["similarity"]), r["title"],
             frozenset(r["skills"]), r["client"], r["city"]) for r in rows]


def client_name(conn: sa.Connection, *, requirement_id: uuid.UUID) -> str | None:
    return conn.execute(sa.text(
        "select coalesce(c.name, r.end_client_name) from crm.requirement r "
        "left join crm.company c on c.id = r.client_company_id where r.id = :r"), {"r": requirement_id}).scalar()


def rows_missing_dedupe_key(conn: sa.Connection, *, limit: int = 5000) -> list[tuple[uuid.UUID, str, str | None]]:
    """(id, title, client name) of requirements with a client but no dedupe key yet (written by other importers)."""
    rows = conn.execute(sa.text(
        "select r.id, r.title, coalesce(c.name, r.end_client_name) from crm.requirement r "
        "left join crm.company c on c.id = r.client_company_id "
        "where r.dedupe_key is null and coalesce(c.name, r.end_client_name) is not null limit :limit"),
        {"limit": limit})
    return [(r[0], r[1], r[2]) for r in rows]


def set_dedupe_keys(conn: sa.Connection, *, keys: Sequence[tuple[uuid.UUID, str]]) -> None:
    if keys:
        conn.execute(sa.text("update crm.requirement set dedupe_key = :k where id = :id"),
                     [{"id": i, "k": k} for i, k in keys])


def find_company_id(conn: sa.Connection, *, kinds: Sequence[str], name: str | None = None,
                    domain: str | None = None) -> uuid.UUID | None:
    if not name and not domain:
        return None
    return conn.execute(sa.text(
        "select id from crm.company where kind = any(:kinds) and deleted_at is null and "
        "((cast(:name as text) is not null and lower(name) = lower(:name)) or "
        " (cast(:domain as text) is not null and lower(domain) = lower(:domain))) "
        "order by (lower(name) = lower(coalesce(:name, ''))) desc limit 1"),
        {"kinds": list(kinds), "name": name, "domain": domain}).scalar()


def pending_without_message(conn: sa.Connection, *, limit: int) -> list[tuple[uuid.UUID, str, str | None]]:
    """(id, raw_subject or title, description) of requirements awaiting extraction with no unprocessed origin
    message (their origin email was already processed, or they were created without one)."""
    rows = conn.execute(sa.text(
        "select r.id, coalesce(r.raw_subject, r.title), r.description from crm.requirement r "
        "where r.extraction_status = 'pending' and r.deleted_at is null and not exists ("
        "  select 1 from crm.requirement_source s join crm.inbound_message m on m.id = s.message_id "
        "  where s.requirement_id = r.id and s.merge_reason = 'origin' and m.status = 'new') "
        "order by r.received_at limit :limit for update of r skip locked"), {"limit": limit})
    return [(r[0], r[1], r[2]) for r in rows]


def sources_of(conn: sa.Connection, *, requirement_id: uuid.UUID) -> list[dict]:
    rows = conn.execute(sa.text(
        "select message_id, merge_reason, similarity, vendor_company_id, rate_quoted, received_at "
        "from crm.requirement_source where requirement_id = :r order by received_at"), {"r": requirement_id})
    return [dict(r._mapping) for r in rows]


def unresolved_skill_names(conn: sa.Connection) -> list[str]:
    """Distinct raw names of requirement skills not yet mapped to the taxonomy."""
    return list(conn.execute(sa.text(
        "select distinct raw_name from crm.requirement_skill where skill_id is null order by 1")).scalars())


def skill_id_map(conn: sa.Connection) -> Mapping[str, int]:
    """Taxonomy canonical name -> crm.skill id (reference data, ~10k rows), read-only. Read once per taxonomy
    version: a request that imports one email reads the one-row fingerprint, not every skill."""
    stamp = skill_taxonomy_stamp(conn)
    held = _SKILL_IDS.get(stamp)
    if held is None:
        held = MappingProxyType({name: int(i) for i, name in conn.execute(sa.text(
            "select id, canonical_name from crm.skill"))})
        _SKILL_IDS.clear()  # one taxonomy at a time
        _SKILL_IDS[stamp] = held
    return held


_SKILL_IDS: dict[tuple, Mapping[str, int]] = {}


@dataclass(frozen=True)
class RequirementEmbeddingInput:
    id: uuid.UUID
    title: str
    city: str | None
    state: str | None
    work_mode: str | None
    description: str | None
    skills: list[str]


def embedding_inputs(conn: sa.Connection, *, ids: Sequence[uuid.UUID] | None = None,
                     extracted_only: bool = False) -> list[RequirementEmbeddingInput]:
    """What each requirement's embedding text is built from (skills as canonical names where resolved)."""
    rows = conn.execute(sa.text(
        "select r.id, r.title, r.city, r.state, r.work_mode, r.description, "
        "coalesce(array_agg(coalesce(k.canonical_name, s.raw_name) order by coalesce(k.canonical_name, s.raw_name))"
        " filter (where s.id is not null), '{}') as skills "
        "from crm.requirement r left join crm.requirement_skill s on s.requirement_id = r.id "
        "left join crm.skill k on k.id = s.skill_id "
        "where r.deleted_at is null and (cast(:ids as uuid[]) is null or r.id = any(:ids)) "
        "and (not :extracted_only or r.extraction_status <> 'pending') group by r.id"),
        {"ids": list(ids) if ids is not None else None, "extracted_only": extracted_only}).mappings()
    return [RequirementEmbeddingInput(**r) for r in rows]


def count_requirements(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("select count(*) from crm.requirement where deleted_at is null")).scalar_one())
