"""What matching and training read: requirement and consultant records, their skills and embeddings, candidate
generation (pgvector HNSW ∪ full text ∪ shared skills), submission outcomes and the skill taxonomy.

Matching runs in two directions that are one query with the roles swapped: a `Direction` names its anchor and its
candidates, and each `Entity` carries the table, the columns and the filters that differ between a requirement and
a consultant. Works on any connection: the app role's tenant-scoped one (RLS filters the tenant) or the owner's
after `set_tenant`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from warehouse.db import query_with_local_settings
from warehouse.schema import column_names


@dataclass(frozen=True)
class Entity:
    """One side of a match: `crm.<name>`, its `crm.<name>_skill` rows and `crm.embedding` rows of its type."""

    name: str
    columns: tuple[str, ...]        # what a matching record holds
    skill_columns: tuple[str, ...]  # what a skill of it says besides the skill id
    statuses: tuple[str, ...]       # the statuses of a live row that can be proposed
    eligible: str                   # the SQL condition (on alias `x`) an anchor's Eligibility puts on candidates

    def __post_init__(self) -> None:
        missing = {*self.columns} - {*column_names(self.name)} | {*self.skill_columns} - {
            *column_names(f"{self.name}_skill")}
        if missing:
            raise ValueError(f"not columns of crm.{self.name} / crm.{self.name}_skill: {sorted(missing)}")

    @property
    def owner_column(self) -> str:
        return f"{self.name}_id"

    @property
    def status_list(self) -> str:
        """`statuses` as SQL literals: 'bench', 'marketing'."""
        return ", ".join("'" + s.replace("'", "''") + "'" for s in self.statuses)

    def matchable(self, alias: str = "x") -> str:
        """The SQL condition for a row (on `alias`) that can be proposed."""
        return f"{alias}.deleted_at is null and {alias}.status in ({self.status_list})"


REQUIREMENT = Entity(
    "requirement",
    columns=("id", "title", "city", "state", "lat", "lon", "timezone", "work_mode", "bill_rate_max", "visa_accepted",
             "min_years", "start_date", "received_at", "client_company_id", "status"),
    skill_columns=("is_required",),
    statuses=("open",),
    eligible="(cast(:visa as text) is null or x.visa_accepted is null or cardinality(x.visa_accepted) = 0\n"
             "       or cast(:visa as text) = any(x.visa_accepted))",
)
CONSULTANT = Entity(
    "consultant",
    columns=("id", "full_name", "title", "city", "state", "lat", "lon", "timezone", "remote_ok",
             "willing_to_relocate", "hourly_rate", "visa_status", "years_experience", "available_from", "status"),
    skill_columns=("years", "is_primary", "position"),
    statuses=("bench", "marketing"),
    eligible="(x.available_from is null\n"
             "       or x.available_from <= coalesce(cast(:start_date as date), current_date) + cast(:slack as int))\n"
             "  and (cardinality(cast(:visas as text[])) = 0 or x.visa_status is null\n"
             "       or x.visa_status = any(cast(:visas as text[])))",
)


class Direction(StrEnum):
    """Which side anchors a match; the values are crm.match_run.direction's."""

    FOR_REQUIREMENT = "requirement_to_consultants"
    FOR_CONSULTANT = "consultant_to_requirements"

    @property
    def anchor(self) -> Entity:
        return REQUIREMENT if self is Direction.FOR_REQUIREMENT else CONSULTANT

    @property
    def candidate(self) -> Entity:
        return CONSULTANT if self is Direction.FOR_REQUIREMENT else REQUIREMENT


# ------------------------------------------------------------------------------------------------ records


def _ids_clause(column: str, ids: Sequence[uuid.UUID | str] | None) -> tuple[str, dict[str, Any]]:
    if ids is None:
        return "", {}
    return f" and {column} = any(:ids)", {"ids": [uuid.UUID(str(i)) for i in ids]}


def records(conn: sa.Connection, entity: Entity, ids: Sequence[uuid.UUID | str] | None = None
            ) -> list[dict[str, Any]]:
    """The entity's live rows (all, or those with these ids) as dicts of `entity.columns`, by id."""
    clause, params = _ids_clause("id", ids)
    return [dict(r._mapping) for r in conn.execute(sa.text(
        f"select {', '.join(entity.columns)} from crm.{entity.name} where deleted_at is null{clause} order by id"),
        params)]


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def skills(conn: sa.Connection, entity: Entity, ids: Sequence[uuid.UUID | str] | None = None
           ) -> dict[str, list[tuple]]:
    """Owner id -> (skill id, *entity.skill_columns) of its skills resolved to the taxonomy."""
    clause, params = _ids_clause(entity.owner_column, ids)
    found: dict[str, list[tuple]] = defaultdict(list)
    for row in conn.execute(sa.text(
            f"select {entity.owner_column}, skill_id, {', '.join(entity.skill_columns)} from crm.{entity.name}_skill "
            f"where skill_id is not null{clause}"), params):
        found[str(row[0])].append((int(row[1]), *(_plain(v) for v in row[2:])))
    return found


def embeddings(conn: sa.Connection, entity: Entity, ids: Sequence[uuid.UUID | str] | None, model: str
               ) -> dict[str, list]:
    """Entity id -> its `model` embedding as a list of floats."""
    clause, params = _ids_clause("entity_id", ids)
    rows = conn.execute(sa.text(
        f"select entity_id, vector::real[] from crm.embedding where entity_type = :kind and model = :model{clause}"),
        {"kind": entity.name, "model": model, **params}).all()
    return {str(r[0]): r[1] for r in rows}


def rate_quotes(conn: sa.Connection, requirement_ids: Sequence[uuid.UUID | str] | None = None
                ) -> dict[str, tuple[Any, Any]]:
    """Requirement id -> (highest quoted rate, highest quote from a prime vendor or MSP) over its sources."""
    clause, params = _ids_clause("requirement_id", requirement_ids)
    return {str(q[0]): (q[1], q[2]) for q in conn.execute(sa.text(
        f"select rs.requirement_id, {_QUOTES} {_QUOTED_BY} where rs.rate_quoted is not null{clause} "
        "group by rs.requirement_id"), params)}


# a requirement's best quotes over its sources: the highest, and the highest from a prime vendor or MSP
_QUOTES = ("max(rs.rate_quoted) as rate_quoted_best, "
           "max(rs.rate_quoted) filter (where co.kind in ('prime_vendor', 'msp')) as rate_quoted_prime")
_QUOTED_BY = "from crm.requirement_source rs left join crm.company co on co.id = rs.vendor_company_id"


def _anchor_sql(entity: Entity) -> str:
    # Skills by skill id (then row id): `skills` returns them in whatever order its plan reads them, which changed
    # between executions; the candidate search's capped word list follows this order, so one anchor always searches
    # the same words.
    extra = [f"array_agg(s.{c} order by s.skill_id, s.id) as skill_{c}" for c in entity.skill_columns]
    quotes = (f"""
  left join lateral (
    select {_QUOTES} {_QUOTED_BY}
    where rs.requirement_id = x.id and rs.rate_quoted is not null) q on true""" if entity is REQUIREMENT else "")
    quote_columns = ", q.rate_quoted_best, q.rate_quoted_prime" if entity is REQUIREMENT else ""
    return f"""
select current_setting('app.tenant_id', true) as rls_tenant, a.*
from (select 1) one left join lateral (
  select {', '.join('x.' + c for c in entity.columns)}{quote_columns}, sk.skill_ids, {', '.join(
        'sk.skill_' + c for c in entity.skill_columns)},
         (select e.vector::real[] from crm.embedding e
          where e.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
            and e.entity_type = '{entity.name}' and e.model = :model and e.entity_id = x.id) as embedding
  from crm.{entity.name} x
  left join lateral (
    select array_agg(s.skill_id order by s.skill_id, s.id) as skill_ids, {', '.join(extra)}
    from crm.{entity.name}_skill s
    where s.{entity.owner_column} = x.id and s.skill_id is not null) sk on true{quotes}
  where x.deleted_at is null and x.id = :id
) a on true"""


_ANCHOR_SQL = {entity.name: sa.text(_anchor_sql(entity)) for entity in (REQUIREMENT, CONSULTANT)}


def anchor_record(conn: sa.Connection, entity: Entity, anchor_id: uuid.UUID | str, model: str
                  ) -> tuple[dict[str, Any] | None, str]:
    """One live record as `records` + `skills` + `embeddings` (+ `rate_quotes` for a requirement) shape it, and the
    transaction's RLS tenant ('' when none), in one round trip: a ranking's first read (None: no such live row)."""
    row = conn.execute(_ANCHOR_SQL[entity.name], {"id": uuid.UUID(str(anchor_id)), "model": model}).one()._mapping
    tenant = row["rls_tenant"] or ""
    if row["id"] is None:
        return None, tenant
    record = {c: row[c] for c in entity.columns}
    if entity is REQUIREMENT:
        record["rate_quoted_best"], record["rate_quoted_prime"] = row["rate_quoted_best"], row["rate_quoted_prime"]
    columns = [row["skill_" + c] for c in entity.skill_columns]
    record["skills"] = [(int(skill), *(_plain(v) for v in values))
                        for skill, *values in zip(row["skill_ids"] or [], *(c or [] for c in columns), strict=True)]
    record["embedding"] = row["embedding"]
    return record, tenant


def visa_policies(conn: sa.Connection, *, limit: int) -> list[list[str]]:
    """Up to `limit` stated visa policies of live requirements. No ORDER BY on purpose: any few thousand policies
    estimate the shares, and the scan stops at the limit instead of sorting every requirement."""
    return list(conn.execute(sa.text(
        "select visa_accepted from crm.requirement where deleted_at is null and visa_accepted is not null "
        "and cardinality(visa_accepted) > 0 limit :n"), {"n": limit}).scalars())


def current_tenant(conn: sa.Connection) -> str:
    """The transaction's RLS tenant ('' when none is set)."""
    return conn.execute(sa.text("select current_setting('app.tenant_id', true)")).scalar() or ""


# ------------------------------------------------------------------------------------------------ skill taxonomy


def skill_taxonomy_stamp(conn: sa.Connection) -> tuple:
    """A one-row fingerprint of crm.skill that changes whenever the taxonomy does."""
    return tuple(conn.execute(sa.text(
        "select count(*), coalesce(max(id), 0), max(taxonomy_version), count(parent_id) from crm.skill")).one())


def skill_taxonomy(conn: sa.Connection) -> list[tuple[int, str, int | None]]:
    """(id, canonical name, parent id) of every skill, by id."""
    rows = conn.execute(sa.text("select id, canonical_name, parent_id from crm.skill order by id")).all()
    return [(int(r[0]), str(r[1]), r[2]) for r in rows]


# ------------------------------------------------------------------------------------------------ candidates


@dataclass(frozen=True)
class Eligibility:
    """What an anchor rules out. For consultant candidates: availability by the requirement's start (plus slack)
    and the requirement's accepted visas; for requirement candidates: the consultant's visa."""

    start_date: date | None = None
    slack_days: int = 90
    visas_accepted: Sequence[str] = ()
    visa_status: str | None = None


def nearest_sql(entity: Entity, vector: str, table: str = "crm.embedding", *, matchable_only: bool = True) -> str:
    """The `:ann_k` vectors of tenant `:tenant`'s `entity` rows nearest to `vector` (an SQL expression), through
    the HNSW graph. The tenant as a bound value prunes crm.embedding to its partition (0034): when the plan is
    made, or, on the candidate query's one generic plan (`_REUSE_THE_PLAN`, ADR 0038), when the executor starts, so
    the graph searched holds only its vectors; a function of the RLS setting would be costed over every tenant's
    index (the planner then chose an exact sort). `matchable_only`: the graph of vectors
    whose row can be proposed (0039), so no slot of `:ann_k` goes to a row the candidate query drops; False:
    benchmarks and the before/after comparison only. `table`: benchmarks only."""
    matchable = " and e.matchable" if matchable_only else ""
    return f"""select e.entity_id as id from {table} e
    where e.tenant_id = cast(:tenant as uuid) and e.entity_type = '{entity.name}' and e.model = :model{matchable}
    order by e.vector <=> {vector}
    limit :ann_k"""


def candidates_sql(direction: Direction, sources_given: bool = False) -> str:
    """The candidate query. `sources_given`: the text and skill sources' ids come in as `:fts_ids` and `:sk_ids`
    (ranked by the caller's in-process index, ADR 0032) instead of being computed here."""
    anchor, cand = direction.anchor, direction.candidate
    text_source = ("select unnest(cast(:fts_ids as uuid[])) as id" if sources_given else f"""select f.id from \
app.fts_top_{cand.name}(case when cast(:tsq as text) <> '' then to_tsquery('english', :tsq) end,
                                         array[{cand.status_list}]::text[], :fts_k) f""")
    skill_source = ("select unnest(cast(:sk_ids as uuid[])) as id" if sources_given else f"""select \
xs.{cand.owner_column} as id from crm.{cand.name}_skill xs
    where xs.skill_id = any(cast(:skill_ids as int[]))
    group by xs.{cand.owner_column} order by count(*) desc, xs.{cand.owner_column} limit :skill_k""")
    return f"""
with anchor as (
    select q.vector from crm.embedding q where q.tenant_id = cast(:tenant as uuid)
      and q.entity_type = '{anchor.name}' and q.entity_id = :anchor
      and q.model = :model limit 1
), ann as (
    -- A scalar subquery (an InitPlan parameter) lets the planner use the HNSW index for ORDER BY ... LIMIT.
    {nearest_sql(cand, "(select vector from anchor)")}
), fts as (
    -- the tenant's best `:fts_k` matchable matches by ts_rank: app.fts_top_<table> (0035) or the text index's
    {text_source}
), sk as (
    -- rows sharing the most of the anchor's skills (ties by id): the posting lists here or the index's
    {skill_source}
), merged as (
    select id, 'ann' as source from ann union all select id, 'fts' from fts union all select id, 'skills' from sk
)
select x.id, array_agg(distinct m.source) as sources,
       -- cosine similarity to the anchor, computed here so vectors never travel to Python on the request path
       max(1 - (xe.vector <=> (select vector from anchor))) as cosine
from merged m
-- id = any(array(...)): probe the primary key for the few merged ids instead of hashing the whole table
join crm.{cand.name} x on x.id = m.id and x.id = any(array(select id from merged))
left join crm.embedding xe on xe.tenant_id = cast(:tenant as uuid) and xe.entity_type = '{cand.name}'
     and xe.entity_id = x.id
     and xe.model = :model
where {cand.matchable()}
  and {cand.eligible}
group by x.id
"""


def _uuid_array(ids: Sequence[uuid.UUID]) -> str:
    """A uuid[] literal: Postgres parses two hundred ids faster than psycopg dumps them one by one."""
    return "{" + ",".join(map(str, ids)) + "}"


_CANDIDATES_SQL = {(d, given): candidates_sql(d, given) for d in Direction for given in (False, True)}


@dataclass(frozen=True)
class CandidateSearch:
    """One anchor's candidate search: how many each source may propose, and what they search with."""

    anchor_id: uuid.UUID | str
    model: str
    ann_k: int
    fts_k: int
    skill_k: int
    tsquery: str  # an OR of plain words, safe for to_tsquery
    skill_ids: Sequence[int]
    eligibility: Eligibility
    # the text and skill sources' answers when an in-process index gave them (both or neither)
    fts_ids: Sequence[uuid.UUID] | None = None
    sk_ids: Sequence[uuid.UUID] | None = None

    def params(self) -> dict[str, Any]:
        e = self.eligibility
        return {"anchor": self.anchor_id, "model": self.model, "ann_k": self.ann_k, "fts_k": self.fts_k,
                "skill_k": self.skill_k, "tsq": self.tsquery, "skill_ids": list(self.skill_ids),
                "start_date": e.start_date, "slack": e.slack_days, "visas": list(e.visas_accepted),
                "visa": e.visa_status, **({} if self.fts_ids is None else {"fts_ids": _uuid_array(self.fts_ids),
                                                       "sk_ids": _uuid_array(self.sk_ids or ())})}


# One plan for every anchor and tenant (docs/adr/0038): Postgres would plan the candidate query anew on each
# execution (its custom plans cost less than the generic one), ~3 ms of the server's CPU per recommendation at 100k.
# The tenant, bound as a value, still prunes the partitions, when the executor starts. Without seq scans the one plan
# searches the tenant's HNSW graph and probes the candidates by key, whatever size the tenants had when it was made
# (a plan made while they were small would sort every vector of a tenant that has since grown, or scan a table).
_REUSE_THE_PLAN = {"plan_cache_mode": "force_generic_plan", "enable_seqscan": "off"}


def candidates(conn: sa.Connection, direction: Direction, search: CandidateSearch, *, ef_search: int,
               tenant: str | None = None) -> list[tuple[uuid.UUID, list[str], float | None]]:
    """(candidate id, sources that proposed it, cosine to the anchor), the candidates being matchable and eligible
    rows of `direction.candidate`. `ef_search` bounds the HNSW search for this transaction; `tenant`: the
    transaction's RLS tenant when the caller has already read it (bound into the query, see `nearest_sql`)."""
    tenant = tenant if tenant is not None else current_tenant(conn)
    if not tenant:  # no RLS tenant: RLS would return nothing anyway
        return []
    rows = query_with_local_settings(conn, {"hnsw.ef_search": str(int(ef_search)), **_REUSE_THE_PLAN},
                                     _CANDIDATES_SQL[direction, search.fts_ids is not None],
                                     {**search.params(), "tenant": tenant})
    return [(r[0], list(r[1]), r[2]) for r in rows]


def query_lexemes(conn: sa.Connection, words: str) -> list[str]:
    """The distinct lexemes the english configuration makes of plain words (those of `to_tsquery('english', q)` for
    an OR of them: the same parser and dictionaries)."""
    return sorted(conn.execute(sa.text("select distinct lexeme from unnest(to_tsvector('english', :w))"),
                               {"w": words}).scalars())


def skill_postings(conn: sa.Connection, entity: Entity, skill_ids: Sequence[str]
                   ) -> dict[str, tuple[list[uuid.UUID], list[float]]]:
    """Skill id (as text) -> (ids of the transaction tenant's `entity` rows with that skill, 1.0 each), all rows
    as the SQL skill source counts them (the candidate query filters the unmatchable)."""
    found: dict[str, tuple[list[uuid.UUID], list[float]]] = {s: ([], []) for s in skill_ids}
    for skill_id, owner in conn.execute(sa.text(
            f"select skill_id, {entity.owner_column} from crm.{entity.name}_skill "
            "where skill_id = any(cast(:ids as int[]))"), {"ids": [int(s) for s in skill_ids]}):
        found[str(skill_id)][0].append(owner)
        found[str(skill_id)][1].append(1.0)
    return found


def text_postings(conn: sa.Connection, entity: Entity, lexemes: Sequence[str]
                  ) -> dict[str, tuple[list[uuid.UUID], list[float]]]:
    """Lexeme -> (ids, ts_rank of each for that lexeme alone) of the transaction tenant's matchable `entity` rows
    that contain it, in one round trip (app.fts_postings_<table>, migration 0037)."""
    found: dict[str, tuple[list[uuid.UUID], list[float]]] = {lexeme: ([], []) for lexeme in lexemes}
    for lexeme, row_id, rank in conn.execute(sa.text(
            f"select l.lexeme, p.id, p.rank from unnest(cast(:lexemes as text[])) l(lexeme) "
            f"cross join lateral app.fts_postings_{entity.name}(quote_literal(l.lexeme)::tsquery, "
            f"array[{entity.status_list}]::text[]) p"), {"lexemes": list(lexemes)}):
        found[lexeme][0].append(row_id)
        found[lexeme][1].append(rank)
    return found


# ------------------------------------------------------------------------------------------------ outcomes


def newest_open_requirement_ids(conn: sa.Connection, *, limit: int) -> list[uuid.UUID]:
    """Ids of the newest open requirements (what a batch recommendation run ranks consultants for)."""
    return list(conn.execute(sa.text(
        "select id from crm.requirement where status = 'open' and deleted_at is null"
        " order by received_at desc, id limit :n"), {"n": limit}).scalars().all())


def outcomes_recorded(conn: sa.Connection) -> int:
    """How many outcomes the tenant has: interviews plus closed submissions (grows as training labels arrive)."""
    return int(conn.execute(sa.text(
        "select (select count(*) from crm.interview) + (select count(*) from crm.submission"
        " where closed_at is not null)")).scalar() or 0)


ADVANCED_STATUSES = ("interviewing", "offered", "placed")

_SUBMISSION_ROWS_SQL = """
select s.id, s.requirement_id::text as requirement_id, s.consultant_id::text as consultant_id, s.submitted_at,
       s.closed_at, s.status, r.received_at, r.client_company_id::text as client_company_id, i.first_interview,
       (i.first_interview is not null or s.status = any(:advanced)) as advanced
from crm.submission s
join crm.requirement r on r.id = s.requirement_id
left join lateral (select min(scheduled_at) as first_interview from crm.interview iv
                   where iv.submission_id = s.id) i on true
where s.deleted_at is null and s.submitted_at is not null and s.status <> 'draft'{only}
order by s.submitted_at, s.id
"""
_SUBMISSIONS_SQL = _SUBMISSION_ROWS_SQL.format(only="")
# The rows a change notification names (docs/adr/0033): a consultant's submissions, one submission (its
# interviews changed) or a requirement's (its client changed). Each key through its own index.
_SUBMISSIONS_OF_KEYS_SQL = _SUBMISSION_ROWS_SQL.format(only="""
  and s.id = any(array(
      select k.id from crm.submission k where k.consultant_id = any(cast(:cons as uuid[]))
      union select k.id from crm.submission k where k.id = any(cast(:subs as uuid[]))
      union select k.id from crm.submission k where k.requirement_id = any(cast(:reqs as uuid[]))))""")
# Serving reads only the candidates' and the client's submissions, each through its own index, then joins the few
# rows it found (an OR, or an IN over the whole table, makes the planner scan every submission of the tenant).
_EVENTS_SQL = """
with picked as (
    select s.id, s.requirement_id, s.consultant_id, s.submitted_at, s.closed_at, s.status
    from crm.submission s
    where s.consultant_id = any(cast(:cons as uuid[])) and s.deleted_at is null and s.submitted_at is not null
      and s.status <> 'draft'
    union
    select s.id, s.requirement_id, s.consultant_id, s.submitted_at, s.closed_at, s.status
    from crm.submission s
    where s.requirement_id = any(array(select r3.id from crm.requirement r3
                                       where r3.client_company_id = any(cast(:clients as uuid[]))))
      and s.deleted_at is null
      and s.submitted_at is not null and s.status <> 'draft'
)
select p.id, p.consultant_id::text as consultant_id, p.submitted_at, p.closed_at,
       r.client_company_id::text as client_company_id, i.first_interview,
       (i.first_interview is not null or p.status = any(:advanced)) as advanced
from picked p
join lateral (select rr.client_company_id from crm.requirement rr where rr.id = p.requirement_id) r on true
left join lateral (select min(scheduled_at) as first_interview from crm.interview iv
                   where iv.submission_id = p.id) i on true
order by p.submitted_at, p.id
"""


def sent_submissions(conn: sa.Connection) -> list[sa.Row]:
    """Every sent (non-draft) submission with its requirement's arrival and client, its first interview and whether
    it advanced (an interview, or a status at or after interviewing), in submission order."""
    return conn.execute(sa.text(_SUBMISSIONS_SQL), {"advanced": list(ADVANCED_STATUSES)}).all()


def sent_submissions_by_keys(conn: sa.Connection, *, consultant_ids: Sequence[uuid.UUID | str],
                             submission_ids: Sequence[uuid.UUID | str],
                             requirement_ids: Sequence[uuid.UUID | str]) -> list[sa.Row]:
    """As `sent_submissions` (same columns, same order), only the submissions of these consultants, these
    submissions and the submissions to these requirements."""
    return conn.execute(sa.text(_SUBMISSIONS_OF_KEYS_SQL), {
        "advanced": list(ADVANCED_STATUSES), "cons": [uuid.UUID(str(c)) for c in consultant_ids],
        "subs": [uuid.UUID(str(c)) for c in submission_ids],
        "reqs": [uuid.UUID(str(c)) for c in requirement_ids]}).all()


def sent_submissions_of(conn: sa.Connection, *, consultant_ids: Sequence[uuid.UUID | str],
                        client_ids: Sequence[uuid.UUID | str]) -> list[sa.Row]:
    """As `sent_submissions` (in the same order), only those of these consultants or of these clients'
    requirements."""
    return conn.execute(sa.text(_EVENTS_SQL), {
        "advanced": list(ADVANCED_STATUSES), "cons": [uuid.UUID(str(c)) for c in consultant_ids],
        "clients": [uuid.UUID(str(c)) for c in client_ids]}).all()


def matchable_ids(conn: sa.Connection, entity: Entity, limit: int) -> list[uuid.UUID]:
    """The tenant's rows that can be proposed (RLS scopes `conn`), most recently updated first."""
    return list(conn.execute(sa.text(
        f"select x.id from crm.{entity.name} x where {entity.matchable()} order by x.updated_at desc limit :n"),
        {"n": limit}).scalars())
