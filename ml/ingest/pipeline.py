"""The ingestion pipeline as plain functions on a tenant-scoped connection. The API's fast path and the Dagster
assets both call these; neither has its own copy of the logic.

A message goes: register (idempotent on Message-ID) -> parse -> classify -> extract -> validate -> normalize skills
-> embed the candidate -> dedupe -> write (requirement + requirement_skill + requirement_source, or a source on the
existing requirement) -> store the embedding. Anything that cannot be parsed or validated is quarantined with its
reason and raw bytes; the message row records the outcome, so re-importing it changes nothing.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any, Literal

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel, Field

from ml.extraction.schemas import ExtractedSkill, RequirementExtraction, ResumeExtraction
from ml.ingest import dedupe
from ml.ingest.embedding_text import consultant_text, requirement_text, text_hash
from ml.ingest.sources import RawItem
from ml.ingest.toolkit import Embedder, Rejected, Toolkit, default_toolkit
from warehouse.dates import date_problem, plausible
from warehouse.repositories import consultants as consultant_repo
from warehouse.repositories import embeddings as embedding_repo
from warehouse.repositories import messages as message_repo
from warehouse.repositories import quarantine as quarantine_repo
from warehouse.repositories import requirements as requirement_repo

MessageStatus = Literal["parsed", "duplicate", "not_requirement", "quarantined"]
# Hourly USD outside this range is an extraction error far more often than a real rate.
PLAUSIBLE_HOURLY_USD = (10.0, 400.0)
# Larger messages are not parsed (the parser's own limit); they are quarantined with a truncated copy.
MAX_MESSAGE_BYTES = 20 * 1024 * 1024
VENDOR_KINDS = ("vendor", "prime_vendor", "msp")


class ImportOutcome(BaseModel):
    """What happened to one message."""

    message_id: str | None = Field(description="RFC 822 Message-ID (or sha256:… when the message has none)")
    inbound_message_id: uuid.UUID | None = None
    status: MessageStatus
    requirement_id: uuid.UUID | None = None
    reason: str | None = None
    merge_reason: str | None = None
    similarity: float | None = None
    filled: list[str] = Field(default_factory=list,
                              description="fields of the existing requirement this duplicate filled in")
    already_processed: bool = False
    embedded: bool = False
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")


class ResumeImportOutcome(BaseModel):
    status: Literal["created", "updated", "unchanged", "quarantined"]
    consultant_id: uuid.UUID | None = None
    reason: str | None = None
    skills: int = 0
    embedded: bool = False
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")


class PendingStats(BaseModel):
    processed: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    quarantine_reasons: dict[str, int] = Field(default_factory=dict)
    filled_fields: dict[str, int] = Field(default_factory=dict,
                                          description="fields duplicates filled in on existing requirements")
    samples: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: ImportOutcome, sample_limit: int = 5) -> None:
        self.processed += 1
        self.by_status[outcome.status] = self.by_status.get(outcome.status, 0) + 1
        if outcome.status == "quarantined" and outcome.reason:
            code = outcome.reason.split(":", 1)[0]
            self.quarantine_reasons[code] = self.quarantine_reasons.get(code, 0) + 1
        for name in outcome.filled:
            self.filled_fields[name] = self.filled_fields.get(name, 0) + 1
        if len(self.samples) < sample_limit:
            self.samples.append(outcome.model_dump(mode="json", include={
                "message_id", "status", "requirement_id", "reason", "merge_reason", "similarity"}))


class EmbedStats(BaseModel):
    entity_type: str
    model: str
    dims: int
    considered: int
    embedded: int
    unchanged: int
    seconds: float


class NormalizeStats(BaseModel):
    newly_resolved: int
    still_unresolved_names: list[str]
    consultant_resolved: int
    consultant_total: int
    requirement_resolved: int
    requirement_total: int


# ------------------------------------------------------------------------------------------------ small helpers


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + (time.perf_counter() - start) * 1000, 3)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_raw(raw: bytes) -> bytes:
    return raw if len(raw) <= MAX_MESSAGE_BYTES else raw[:quarantine_repo.MAX_RAW_BYTES]


def message_id_of(raw: bytes) -> str:
    """The Message-ID the parser will report (brackets stripped), or `sha256:<40 hex>` of the bytes when there is
    none. Header-only parse: cheap enough to register thousands of messages before any extraction."""
    try:
        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:65536])
        mid = str(headers.get("Message-ID") or headers.get("Message-Id") or "").strip().strip("<>").strip()
    except Exception:  # malformed headers: the full parse will quarantine it with the precise reason
        mid = ""
    return mid if mid and len(mid) <= 500 else f"sha256:{_sha256(raw)[:40]}"


def _sender_domain(from_addr: str | None) -> str | None:
    if not from_addr or "@" not in from_addr:
        return None
    return from_addr.rsplit("@", 1)[1].strip(" >").lower() or None


def _skill_ids(conn: sa.Connection, cache: dict[str, Any]) -> Mapping[str, int]:
    if "skill_ids" not in cache:
        cache["skill_ids"] = requirement_repo.skill_id_map(conn)
    return cache["skill_ids"]


def _resolve(skill: ExtractedSkill, toolkit: Toolkit, ids: Mapping[str, int]) -> tuple[int | None, str]:
    """(skill id or None, the name the entity is described by: canonical when resolvable, else raw)."""
    canonical = skill.canonical or toolkit.normalize_skill(skill.raw)
    skill_id = ids.get(canonical) if canonical else None
    return skill_id, (canonical if skill_id is not None else skill.raw)


# ------------------------------------------------------------------------------------------ phase A: pure work


@dataclass
class Candidate:
    """A message turned into a requirement candidate, before any database decision."""

    message_id: str
    subject: str | None
    from_addr: str | None
    received_at: datetime
    text: str
    extraction: RequirementExtraction
    normalized_hash: str
    skills: list[requirement_repo.SkillRow] = field(default_factory=list)
    skill_names: list[str] = field(default_factory=list)
    field_problems: list[str] = field(default_factory=list)
    embedding_text: str = ""
    vector: np.ndarray | None = None


@dataclass
class Prepared:
    """The outcome of phase A for one message: a candidate, or a terminal status with a reason."""

    message_id: str
    subject: str | None = None
    from_addr: str | None = None
    received_at: datetime | None = None
    content_hash: str | None = None
    candidate: Candidate | None = None
    status: MessageStatus | None = None
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def prepare(raw: bytes, *, toolkit: Toolkit, skill_ids: Mapping[str, int], is_origin: bool = False,
            fallback_received_at: datetime | None = None, parsed: Any = None) -> Prepared:
    """Parse (unless `parsed` is given), classify, extract, validate and normalize one raw message.
    No database access."""
    timings: dict[str, float] = {}
    raw_hash = _sha256(raw)
    try:
        with _timed(timings, "parse"):
            parsed = parsed if parsed is not None else toolkit.parse_message(raw)
    except Rejected as exc:
        return Prepared(message_id=f"sha256:{raw_hash[:40]}", content_hash=raw_hash, status="quarantined",
                        reason=exc.reason, received_at=fallback_received_at, timings=timings)
    message_id = str(parsed.message_id).strip().strip("<>").strip() or f"sha256:{raw_hash[:40]}"
    # An email dated 9999 (or 1900) is not evidence of when it arrived: such a Date header counts as missing.
    received_at = plausible(parsed.date, "past") or fallback_received_at or datetime.now(UTC)
    base = {"message_id": message_id, "subject": parsed.subject, "from_addr": parsed.from_addr,
            "received_at": received_at, "content_hash": parsed.content_hash or raw_hash, "timings": timings}
    if not is_origin:  # an origin message is a requirement by construction (its requirement exists)
        with _timed(timings, "classify"):
            is_requirement, why = toolkit.classify_message(parsed.subject or "", parsed.text)
        if not is_requirement:
            return Prepared(**base, status="not_requirement", reason=why or "classified as not a requirement")
    with _timed(timings, "extract"):
        extraction = toolkit.extract_requirement(parsed.text, parsed.subject)
    if not extraction.is_requirement and not is_origin:
        return Prepared(**base, status="not_requirement",
                        reason=extraction.not_requirement_reason or "extractor: not a requirement")
    with _timed(timings, "normalize"):
        candidate = Candidate(
            message_id=message_id, subject=parsed.subject, from_addr=parsed.from_addr, received_at=received_at,
            text=parsed.text, extraction=extraction, normalized_hash=dedupe.normalized_content_hash(parsed.text))
        for skill in extraction.skills:
            skill_id, name = _resolve(skill, toolkit, skill_ids)
            candidate.skills.append(requirement_repo.SkillRow(
                raw_name=skill.raw[:200], skill_id=skill_id, is_required=skill.required, min_years=skill.years))
            candidate.skill_names.append(name)
        problems = validate_requirement(extraction, is_origin=is_origin)
    if problems.rejection:
        return Prepared(**base, status="quarantined", reason=problems.rejection)
    candidate.field_problems = problems.field_problems
    loc = extraction.location
    candidate.embedding_text = requirement_text(
        title=extraction.title or "", skills=candidate.skill_names, city=loc.city, state=loc.state,
        work_mode=loc.work_mode, description=parsed.text)
    return Prepared(**base, candidate=candidate)


@dataclass
class Validation:
    rejection: str | None = None
    field_problems: list[str] = field(default_factory=list)


def validate_requirement(extraction: RequirementExtraction, *, is_origin: bool = False) -> Validation:
    """A new requirement needs a title and at least one skill; an implausible rate is dropped from the row and
    reported (the requirement is still matchable on everything else)."""
    result = Validation()
    if not is_origin:
        if not (extraction.title or "").strip():
            result.rejection = "missing_title: no job title found in subject or body"
            return result
        if not extraction.skills:
            result.rejection = "no_skills: no skill mentions found"
            return result
    rate = extraction.rate
    if rate is not None and not PLAUSIBLE_HOURLY_USD[0] <= rate.hourly_usd <= PLAUSIBLE_HOURLY_USD[1]:
        result.field_problems.append(
            f"implausible_rate: {rate.hourly_usd:.2f} USD/hour from {rate.amount:g}/{rate.unit} is outside "
            f"{PLAUSIBLE_HOURLY_USD[0]:g}-{PLAUSIBLE_HOURLY_USD[1]:g}")
    if extraction.start_date is not None and (problem := date_problem(extraction.start_date, "future")):
        # stored as unknown (see _requirement_fields); the reason goes to the quarantine list
        result.field_problems.append(f"implausible_start_date: {problem}")
    return result


def embed_candidates(prepared: Sequence[Prepared], embedder: Embedder | None) -> None:
    """Phase B: one encode call for every candidate (batching is most of the embedding throughput)."""
    candidates = [p.candidate for p in prepared if p.candidate is not None]
    if embedder is None or not candidates:
        return
    start = time.perf_counter()
    vectors = embedder.encode([c.embedding_text for c in candidates])
    per = (time.perf_counter() - start) * 1000 / len(candidates)
    for p, vec in zip((p for p in prepared if p.candidate is not None), vectors, strict=True):
        p.candidate.vector = np.asarray(vec, dtype=np.float32)
        p.timings["embed"] = round(per, 3)


# --------------------------------------------------------------------------------------- phase C: the database


def _requirement_fields(conn: sa.Connection, c: Candidate) -> requirement_repo.RequirementFields:
    e = c.extraction
    loc = e.location
    client = e.end_client or e.client
    rate_ok = e.rate is not None and not any(p.startswith("implausible_rate") for p in c.field_problems)
    external_id = dedupe.normalize_external_id(e.external_id)
    return requirement_repo.RequirementFields(
        title=(e.title or c.subject or "Untitled requirement")[:300],
        description=c.text, raw_subject=c.subject, external_id=external_id,
        end_client_name=client,
        client_company_id=requirement_repo.find_company_id(conn, kinds=["client"], name=e.client) if e.client
        else None,
        vendor_company_id=_vendor_id(conn, c),
        city=loc.city, state=loc.state, country=loc.country, lat=loc.lat, lon=loc.lon, timezone=loc.timezone,
        work_mode=loc.work_mode,
        bill_rate_max=round(e.rate.hourly_usd, 2) if rate_ok and e.rate else None,
        employment_terms=list(e.rate.terms) if e.rate and e.rate.terms else None,
        duration_months=e.duration_months, start_date=plausible(e.start_date, "future"), min_years=e.min_years, seniority=e.seniority,
        visa_accepted=list(e.visa_accepted) or None, domains=list(e.domains) or None,
        extraction=e.model_dump(mode="json"), content_hash=c.normalized_hash,
        dedupe_key=dedupe.dedupe_key(e.title, client))


def _vendor_id(conn: sa.Connection, c: Candidate) -> uuid.UUID | None:
    return requirement_repo.find_company_id(conn, kinds=VENDOR_KINDS, name=c.extraction.vendor,
                                            domain=_sender_domain(c.from_addr))


def _rule_match(conn: sa.Connection, c: Candidate) -> tuple[dedupe.DedupeMatch | None, dict[str, Any]]:
    """The dedupe rules that need no vector (external id, exact content, title + client), and the lookups they
    read (the embedding rules run on the same ones)."""
    e = c.extraction
    ext = [x for x in {e.external_id, dedupe.normalize_external_id(e.external_id)} if x]
    key = dedupe.dedupe_key(e.title, e.end_client or e.client)
    by_key = requirement_repo.find_by_dedupe_key(
        conn, dedupe_key=key, since=c.received_at - dedupe.WINDOW, until=c.received_at + dedupe.WINDOW) if key else []
    found: dict[str, Any] = {
        "received_at": c.received_at, "state": e.location.state, "city": e.location.city,
        "external_id": e.external_id, "by_external_id": requirement_repo.find_by_external_id(conn, external_ids=ext),
        "by_content_hash": [dedupe.Existing(*row) for row in
                            requirement_repo.find_by_content_hash(conn, content_hash=c.normalized_hash)],
        "by_dedupe_key": [dedupe.Existing(*row) for row in by_key],
        "title": e.title, "skills": c.skill_names, "client": e.end_client or e.client}
    # `decide` applies the rules in order and the vector rules come last: with no neighbours it answers exactly
    # what it would with them whenever a rule before them matches.
    return dedupe.decide(nearest=[], **found), found


def _find_duplicate(conn: sa.Connection, c: Candidate, *, model: str | None,
                    embedder: Embedder | None = None) -> dedupe.DedupeMatch | None:
    """The message's requirement if it is a copy of one we have. The vector is needed only when no rule before the
    embedding rules matched; a candidate whose batch skipped it (process_pending) is embedded here then."""
    match, found = _rule_match(conn, c)
    if match is not None or not model:
        return match
    if c.vector is None and embedder is not None:
        c.vector = np.asarray(embedder.encode([c.embedding_text])[0], dtype=np.float32)
    if c.vector is None:
        return None
    nearest = [dedupe.Nearest(*row[:4], city=row[8], similarity=row[4], title=row[5], skills=row[6], client=row[7])
               for row in requirement_repo.nearest_by_embedding(conn, vector=c.vector, model=model)]
    return dedupe.decide(nearest=nearest, **found)


def _embed_requirement(conn: sa.Connection, *, tenant_id: uuid.UUID, requirement_id: uuid.UUID,
                       embedder: Embedder, known: tuple[str, np.ndarray] | None = None) -> bool:
    """Embed one requirement from its stored row if its text changed. `known` = (text, vector) already computed."""
    rows = requirement_repo.embedding_inputs(conn, ids=[requirement_id])
    if not rows:
        return False
    text = _requirement_embedding_text(rows[0])
    digest = text_hash(text)
    if embedding_repo.current_hash(conn, entity_type="requirement", entity_id=requirement_id,
                                   model=embedder.model_name) == digest:
        return False
    vector = known[1] if known is not None and known[0] == text else embedder.encode([text])[0]
    embedding_repo.upsert_embeddings(conn, tenant_id=tenant_id, entity_type="requirement",
                                     model=embedder.model_name, dims=embedder.dims,
                                     rows=[(requirement_id, vector, digest)])
    return True


def _requirement_embedding_text(row: requirement_repo.RequirementEmbeddingInput) -> str:
    return requirement_text(title=row.title, skills=row.skills, city=row.city, state=row.state,
                            work_mode=row.work_mode, description=row.description)


def _consultant_embedding_text(row: consultant_repo.ConsultantEmbeddingInput) -> str:
    return consultant_text(title=row.title, skills=row.skills, summary=row.summary, resume_text=row.resume_text,
                           years=row.years_experience)


def write_prepared(conn: sa.Connection, *, tenant_id: uuid.UUID, prepared: Prepared, raw: bytes, source: str,
                   inbound_id: uuid.UUID, origin_requirement_id: uuid.UUID | None,
                   embedder: Embedder | None) -> ImportOutcome:
    """Phase C for one registered, locked message: dedupe and write, or quarantine / mark not a requirement."""
    timings = prepared.timings

    def outcome(**fields: Any) -> ImportOutcome:  # built at return time so it carries every stage's timing
        return ImportOutcome(message_id=prepared.message_id, inbound_message_id=inbound_id, timings=dict(timings),
                             **fields)
    if prepared.status == "quarantined":
        with _timed(timings, "write"):
            quarantine_repo.add_quarantine(
                conn, tenant_id=tenant_id, source=source, entity_type="message", reason=prepared.reason or "",
                raw=raw, content_hash=_sha256(raw), message_id=inbound_id)
            message_repo.update_message(conn, id=inbound_id, status="quarantined", status_reason=prepared.reason)
        return outcome(status="quarantined", reason=prepared.reason)
    if prepared.status == "not_requirement":
        message_repo.update_message(conn, id=inbound_id, status="not_requirement", status_reason=prepared.reason,
                                    subject=prepared.subject, from_addr=prepared.from_addr)
        return outcome(status="not_requirement", reason=prepared.reason)
    c = prepared.candidate
    assert c is not None
    model = embedder.model_name if embedder is not None else None
    with _timed(timings, "dedupe"):
        match = None if origin_requirement_id is not None else _find_duplicate(conn, c, model=model,
                                                                               embedder=embedder)
    with _timed(timings, "write"):
        for problem in c.field_problems:
            quarantine_repo.add_quarantine(
                conn, tenant_id=tenant_id, source=source, entity_type="requirement_field", reason=problem,
                raw=None, content_hash=_sha256(f"{prepared.content_hash}|{problem}".encode()),
                detail=f"message {c.message_id}", message_id=inbound_id)
        if match is not None:
            filled = requirement_repo.fill_gaps(conn, requirement_id=match.requirement_id,
                                                fields=_requirement_fields(conn, c))
            requirement_repo.add_source(
                conn, tenant_id=tenant_id, requirement_id=match.requirement_id, message_id=inbound_id,
                received_at=c.received_at, merge_reason=match.reason, similarity=match.similarity,
                vendor_company_id=_vendor_id(conn, c),
                rate_quoted=round(c.extraction.rate.hourly_usd, 2) if c.extraction.rate and not any(
                    p.startswith("implausible_rate") for p in c.field_problems) else None)
            message_repo.update_message(conn, id=inbound_id, status="duplicate", requirement_id=match.requirement_id,
                                        status_reason=f"{match.reason}"
                                        + (f" similarity={match.similarity}" if match.similarity else "")
                                        + (f" filled={','.join(filled)}" if filled else ""),
                                        subject=c.subject, from_addr=c.from_addr, content_hash=prepared.content_hash)
            return outcome(status="duplicate", requirement_id=match.requirement_id, merge_reason=match.reason,
                           similarity=match.similarity, filled=filled)
        fields = _requirement_fields(conn, c)
        if origin_requirement_id is not None:
            requirement_id = origin_requirement_id
            requirement_repo.apply_extraction(conn, requirement_id=requirement_id, fields=fields)
        else:
            if fields.external_id and requirement_repo.external_id_taken(conn, external_id=fields.external_id):
                fields = requirement_repo.RequirementFields(**{**fields.__dict__, "external_id": None})
            requirement_id = requirement_repo.insert_requirement(conn, tenant_id=tenant_id, fields=fields,
                                                                 received_at=c.received_at)
            requirement_repo.add_source(
                conn, tenant_id=tenant_id, requirement_id=requirement_id, message_id=inbound_id,
                received_at=c.received_at, merge_reason="origin", vendor_company_id=fields.vendor_company_id,
                rate_quoted=fields.bill_rate_max)
        requirement_repo.replace_skills(conn, tenant_id=tenant_id, requirement_id=requirement_id, skills=c.skills)
        message_repo.update_message(conn, id=inbound_id, status="parsed", requirement_id=requirement_id,
                                    status_reason=None, subject=c.subject, from_addr=c.from_addr,
                                    content_hash=prepared.content_hash)
    embedded = False
    if embedder is not None:
        with _timed(timings, "store_embedding"):
            known = (c.embedding_text, c.vector) if c.vector is not None else None
            embedded = _embed_requirement(conn, tenant_id=tenant_id, requirement_id=requirement_id,
                                          embedder=embedder, known=known)
    return outcome(status="parsed", requirement_id=requirement_id, embedded=embedded, merge_reason="origin")


def _already(stored: message_repo.StoredMessage) -> ImportOutcome:
    return ImportOutcome(message_id=stored.message_id, inbound_message_id=stored.id, status=stored.status,
                         requirement_id=stored.requirement_id, reason=stored.status_reason, already_processed=True)


# ------------------------------------------------------------------------------------------------ entry points


class RegisterStats(BaseModel):
    fetched: int = 0
    new: int = 0
    known: int = 0
    quarantined: int = 0
    by_source: dict[str, int] = Field(default_factory=dict)
    samples: list[dict[str, Any]] = Field(default_factory=list)


def _header_date(raw: bytes) -> datetime | None:
    try:
        value = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:65536]).get("Date")
        parsed = email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return plausible(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC), "past")


def register_raw(conn: sa.Connection, *, tenant_id: uuid.UUID, items: Sequence[RawItem],
                 stats: RegisterStats | None = None) -> RegisterStats:
    """Store fetched messages in the inbox with status 'new' (processing happens in `process_pending`).
    Idempotent on Message-ID: a message already received by any route (API, folder, IMAP) is counted as known."""
    stats = stats or RegisterStats()
    for item in items:
        stats.fetched += 1
        stats.by_source[item.source] = stats.by_source.get(item.source, 0) + 1
        raw = item.data
        digest = _sha256(raw)
        oversized = len(raw) > MAX_MESSAGE_BYTES
        reason = f"oversized: {len(raw)} bytes > limit {MAX_MESSAGE_BYTES}" if oversized else None
        stored, inserted = message_repo.insert_message(
            conn, tenant_id=tenant_id, source=item.source, message_id=message_id_of(raw), raw=_stored_raw(raw),
            subject=None, from_addr=None, received_at=_header_date(raw) or datetime.now(UTC), content_hash=digest,
            status="quarantined" if oversized else "new", status_reason=reason)
        if not inserted:
            stats.known += 1
            continue
        stats.new += 1
        if oversized:
            stats.quarantined += 1
            quarantine_repo.add_quarantine(conn, tenant_id=tenant_id, source=item.source, entity_type="message",
                                           reason=reason or "", raw=raw, content_hash=digest, message_id=stored.id)
        if len(stats.samples) < 5:
            stats.samples.append({"source": item.source, "key": item.key, "message_id": stored.message_id,
                                  "bytes": len(raw)})
    return stats


def process_message(conn: sa.Connection, *, tenant_id: uuid.UUID, raw: bytes, source: str,
                    toolkit: Toolkit | None = None, embedder: Embedder | None = None,
                    received_at: datetime | None = None) -> ImportOutcome:
    """Import one raw RFC 822 message end to end. Idempotent: a Message-ID seen before returns its stored outcome.

    `embedder=None` skips near-duplicate detection by embedding and the embedding write (the embed assets
    reconcile later); the fast path passes the real embedder.
    """
    toolkit = toolkit or default_toolkit()
    cache: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        parsed = toolkit.parse_message(raw)
    except Rejected:
        parsed = None  # prepare() repeats the parse and turns the rejection into a quarantine outcome
    if parsed is not None:  # cheap exit for a re-import: no extraction, no embedding
        known = message_repo.get_message(conn, message_id=str(parsed.message_id))
        if known is not None and known.status != "new":
            return _already(known)
    prepared = prepare(raw, toolkit=toolkit, skill_ids=_skill_ids(conn, cache), fallback_received_at=received_at,
                       parsed=parsed)
    stored, _ = message_repo.insert_message(
        conn, tenant_id=tenant_id, source=source, message_id=prepared.message_id, raw=_stored_raw(raw),
        subject=prepared.subject, from_addr=prepared.from_addr,
        received_at=prepared.received_at or received_at or datetime.now(UTC),
        content_hash=prepared.content_hash or _sha256(raw))
    if message_repo.lock_message(conn, id=stored.id) != "new":
        return _already(message_repo.get_message(conn, message_id=stored.message_id) or stored)
    origin = message_repo.origin_requirement_id(conn, message_uuid=stored.id)
    if origin is not None and prepared.candidate is None and prepared.status == "not_requirement":
        # An origin message is a requirement by construction: re-prepare without the classifier's veto.
        prepared = prepare(raw, toolkit=toolkit, skill_ids=_skill_ids(conn, cache), is_origin=True,
                           fallback_received_at=stored.received_at)
    embed_candidates([prepared], embedder)
    outcome = write_prepared(conn, tenant_id=tenant_id, prepared=prepared, raw=raw, source=source,
                             inbound_id=stored.id, origin_requirement_id=origin, embedder=embedder)
    outcome.timings["total"] = round((time.perf_counter() - start) * 1000, 3)  # a plain dict on the model
    return outcome


def process_pending(conn: sa.Connection, *, tenant_id: uuid.UUID, limit: int = 200,
                    toolkit: Toolkit | None = None, embedder: Embedder | None = None,
                    stats: PendingStats | None = None) -> PendingStats:
    """Process up to `limit` inbox rows with status 'new' (seeded, folder, IMAP). Rows are locked (SKIP LOCKED) so
    concurrent workers and the API never process one message twice. Call repeatedly until `processed == 0`."""
    toolkit = toolkit or default_toolkit()
    stats = stats or PendingStats()
    start = time.perf_counter()
    cache: dict[str, Any] = {}
    pending = message_repo.claim_pending(conn, limit=limit)
    prepared = [prepare(m.raw, toolkit=toolkit, skill_ids=_skill_ids(conn, cache),
                        is_origin=m.origin_requirement_id is not None, fallback_received_at=m.received_at)
                for m in pending]
    # Origins (claimed first) need no dedupe vector; their requirement's own text is embedded in one batch below,
    # before any vendor copy is compared with them. The copies are embedded in one batch after the origins are
    # written, except those a rule before the embedding rules already matches (the same job id, the same text, the
    # same title and client: a repost rarely needs a vector); a copy whose rule match is gone by its turn is
    # embedded then (_find_duplicate), so every decision is the one the vector would have given.
    copies = [p for m, p in zip(pending, prepared, strict=True) if m.origin_requirement_id is None]
    origins_written: list[uuid.UUID] = []
    for message, prep in zip(pending, prepared, strict=True):
        is_origin = message.origin_requirement_id is not None
        if not is_origin and origins_written and embedder is not None:
            embed_entities_by_id(conn, tenant_id=tenant_id, entity_type="requirement", ids=origins_written,
                                 embedder=embedder)
            origins_written = []
        if not is_origin and copies:
            embed_candidates([p for p in copies if p.candidate is not None
                              and (embedder is None or _rule_match(conn, p.candidate)[0] is None)], embedder)
            copies = []
        outcome = _write_safely(conn, tenant_id=tenant_id, prepared=prep, message=message,
                                embedder=None if is_origin else embedder)
        if is_origin and outcome.requirement_id is not None and outcome.status == "parsed":
            origins_written.append(outcome.requirement_id)
        stats.add(outcome)
    if origins_written and embedder is not None:
        embed_entities_by_id(conn, tenant_id=tenant_id, entity_type="requirement", ids=origins_written,
                             embedder=embedder)
    stats.seconds += time.perf_counter() - start
    return stats


def _write_safely(conn: sa.Connection, *, tenant_id: uuid.UUID, prepared: Prepared,
                  message: message_repo.PendingMessage, embedder: Embedder | None) -> ImportOutcome:
    """Write one message inside a savepoint. A database error on one message (a constraint the validation did not
    foresee) quarantines that message with the error instead of blocking the whole inbox behind it."""
    try:
        with conn.begin_nested():
            return write_prepared(conn, tenant_id=tenant_id, prepared=prepared, raw=message.raw,
                                  source=message.source, inbound_id=message.id,
                                  origin_requirement_id=message.origin_requirement_id, embedder=embedder)
    except sa.exc.DBAPIError as exc:
        cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        reason = f"write_failed: {type(getattr(exc, 'orig', exc)).__name__}: {cause}"
        failed = Prepared(message_id=prepared.message_id, content_hash=prepared.content_hash, status="quarantined",
                          reason=reason, timings=prepared.timings)
        with conn.begin_nested():
            return write_prepared(conn, tenant_id=tenant_id, prepared=failed, raw=message.raw,
                                  source=message.source, inbound_id=message.id, origin_requirement_id=None,
                                  embedder=None)


def extract_pending_requirements(conn: sa.Connection, *, tenant_id: uuid.UUID, limit: int = 200,
                                 toolkit: Toolkit | None = None) -> int:
    """Requirements created before extraction whose origin email is not waiting in the inbox: extract from their
    stored subject and description. Returns how many were extracted."""
    toolkit = toolkit or default_toolkit()
    cache: dict[str, Any] = {}
    done = 0
    for requirement_id, subject, description in requirement_repo.pending_without_message(conn, limit=limit):
        extraction = toolkit.extract_requirement(description or "", subject)
        candidate = Candidate(message_id="", subject=subject, from_addr=None, received_at=datetime.now(UTC),
                              text=description or "", extraction=extraction,
                              normalized_hash=dedupe.normalized_content_hash(description or ""))
        for skill in extraction.skills:
            skill_id, _ = _resolve(skill, toolkit, _skill_ids(conn, cache))
            candidate.skills.append(requirement_repo.SkillRow(
                raw_name=skill.raw[:200], skill_id=skill_id, is_required=skill.required, min_years=skill.years))
        candidate.field_problems = validate_requirement(extraction, is_origin=True).field_problems
        requirement_repo.apply_extraction(conn, requirement_id=requirement_id,
                                          fields=_requirement_fields(conn, candidate))
        requirement_repo.replace_skills(conn, tenant_id=tenant_id, requirement_id=requirement_id,
                                        skills=candidate.skills)
        done += 1
    return done


def backfill_dedupe_keys(conn: sa.Connection) -> int:
    """Requirements written by other importers (demo world, API) get their title+client key."""
    keys = [(rid, key) for rid, title, client in requirement_repo.rows_missing_dedupe_key(conn)
            if (key := dedupe.dedupe_key(title, client))]
    requirement_repo.set_dedupe_keys(conn, keys=keys)
    return len(keys)


def normalize_skills(conn: sa.Connection, *, toolkit: Toolkit | None = None) -> NormalizeStats:
    """Map every unresolved consultant/requirement skill mention to the taxonomy (skill_id), once per raw name."""
    toolkit = toolkit or default_toolkit()
    ids = requirement_repo.skill_id_map(conn)
    names = set(consultant_repo.unresolved_skill_names(conn))
    names |= set(requirement_repo.unresolved_skill_names(conn))
    mapping: dict[str, int] = {}
    unresolved: list[str] = []
    for name in sorted(names):
        canonical = toolkit.normalize_skill(name)
        if canonical and canonical in ids:
            mapping[name] = ids[canonical]
        else:
            unresolved.append(name)
    newly = consultant_repo.set_skill_ids(conn, table="consultant_skill", mapping=mapping)
    newly += consultant_repo.set_skill_ids(conn, table="requirement_skill", mapping=mapping)
    c_ok, c_all = consultant_repo.skill_resolution(conn, table="consultant_skill")
    r_ok, r_all = consultant_repo.skill_resolution(conn, table="requirement_skill")
    return NormalizeStats(newly_resolved=newly, still_unresolved_names=unresolved, consultant_resolved=c_ok,
                          consultant_total=c_all, requirement_resolved=r_ok, requirement_total=r_all)


# Backwards-compatible name used in the brief.
normalize_consultants = normalize_skills


# Texts per encode call (and per write) of `embed_entities`. The encoder sorts a call's texts by length before it
# batches them, so a large call pads short texts far less than calls of one model batch each: 2,000 demo resumes
# are 1.32x their real tokens in calls of 64 and 1.16x in calls of 1,024 (ADR 0030). Vectors do not depend on
# their batch mates (padding is masked), only float rounding does.
EMBED_CALL_TEXTS = 1024


def embed_entities(conn: sa.Connection, *, tenant_id: uuid.UUID, entity_type: Literal["requirement", "consultant"],
                   embedder: Embedder, batch_size: int = EMBED_CALL_TEXTS) -> EmbedStats:
    """Embed every entity whose text hash differs from its stored embedding's (new or changed texts only)."""
    start = time.perf_counter()
    if entity_type == "requirement":
        texts = {r.id: _requirement_embedding_text(r)
                 for r in requirement_repo.embedding_inputs(conn, extracted_only=True)}
    else:
        texts = {r.id: _consultant_embedding_text(r) for r in consultant_repo.embedding_inputs(conn)}
    stored = embedding_repo.current_hashes(conn, entity_type=entity_type, model=embedder.model_name)
    todo = [(eid, text, digest) for eid, text in texts.items()
            if stored.get(eid) != (digest := text_hash(text))]
    for i in range(0, len(todo), batch_size):
        chunk = todo[i:i + batch_size]
        vectors = embedder.encode([t for _, t, _ in chunk])
        embedding_repo.upsert_embeddings(
            conn, tenant_id=tenant_id, entity_type=entity_type, model=embedder.model_name, dims=embedder.dims,
            rows=[(eid, vec, digest) for (eid, _, digest), vec in zip(chunk, vectors, strict=True)])
    return EmbedStats(entity_type=entity_type, model=embedder.model_name, dims=embedder.dims,
                      considered=len(texts), embedded=len(todo), unchanged=len(texts) - len(todo),
                      seconds=round(time.perf_counter() - start, 4))


# ------------------------------------------------------------------------------------------------------ resumes


def _consultant_fields(extraction: ResumeExtraction, text: str, digest: str) -> consultant_repo.ConsultantFields:
    loc = extraction.location
    rate = extraction.rate_expectation
    hourly = round(rate.hourly_usd, 2) if rate and PLAUSIBLE_HOURLY_USD[0] <= rate.hourly_usd <= \
        PLAUSIBLE_HOURLY_USD[1] else None
    return consultant_repo.ConsultantFields(
        full_name=(extraction.full_name or "").strip()[:200], email=extraction.email, phone=extraction.phone,
        title=extraction.titles[0][:200] if extraction.titles else None, resume_text=text,
        years_experience=extraction.total_years, city=loc.city, state=loc.state, lat=loc.lat, lon=loc.lon,
        timezone=loc.timezone, hourly_rate=hourly, visa_status=extraction.visa_status,
        available_from=plausible(extraction.available_from, "future"), content_hash=digest)


def process_resume(conn: sa.Connection, *, tenant_id: uuid.UUID, filename: str, data: bytes,
                   content_type: str | None = None, source: str = "api", toolkit: Toolkit | None = None,
                   embedder: Embedder | None = None) -> ResumeImportOutcome:
    """A resume file becomes (or updates) a consultant profile with skills; quarantined with a reason otherwise.

    The same person is recognised by e-mail, else by identical resume text; an identical resume is a no-op.
    """
    toolkit = toolkit or default_toolkit()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    data_hash = _sha256(data)

    def quarantined(reason: str) -> ResumeImportOutcome:
        quarantine_repo.add_quarantine(
            conn, tenant_id=tenant_id, source=source, entity_type="resume", reason=reason, raw=data,
            content_hash=data_hash, detail=f"file {filename!r} ({content_type or 'unknown type'})")
        return ResumeImportOutcome(status="quarantined", reason=reason, timings=timings)

    try:
        with _timed(timings, "parse"):
            text = toolkit.document_text(filename, data, content_type)
    except Rejected as exc:
        return quarantined(exc.reason)
    with _timed(timings, "extract"):
        extraction = toolkit.extract_resume(text)
    if not (extraction.full_name or "").strip():
        return quarantined("missing_name: no candidate name found in the resume")
    digest = text_hash(" ".join(text.split()))
    fields = _consultant_fields(extraction, text, digest)
    with _timed(timings, "write"):
        if extraction.available_from is not None and (problem := date_problem(extraction.available_from, "future")):
            # the date is stored as unknown; say why next to the other quarantined fields
            reason = f"implausible_available_from: {problem}"
            quarantine_repo.add_quarantine(
                conn, tenant_id=tenant_id, source=source, entity_type="resume_field", reason=reason, raw=None,
                content_hash=_sha256(f"{data_hash}|{reason}".encode()), detail=f"file {filename!r}")
        consultant_id = consultant_repo.find_consultant(conn, email=extraction.email, content_hash=digest)
        if consultant_id is not None and consultant_repo.content_hash_of(conn, consultant_id=consultant_id) == digest:
            return ResumeImportOutcome(status="unchanged", consultant_id=consultant_id, timings=timings)
        if consultant_id is None:
            consultant_id = consultant_repo.insert_consultant(conn, tenant_id=tenant_id, fields=fields)
            status: Literal["created", "updated"] = "created"
        else:
            consultant_repo.update_from_resume(conn, consultant_id=consultant_id, fields=fields)
            status = "updated"
        ids = requirement_repo.skill_id_map(conn)
        rows = []
        for i, skill in enumerate(extraction.skills):
            skill_id, _ = _resolve(skill, toolkit, ids)
            rows.append(consultant_repo.ConsultantSkillRow(raw_name=skill.raw[:200], skill_id=skill_id,
                                                           years=skill.years, is_primary=i < 3,
                                                           position=i))
        n_skills = consultant_repo.replace_skills(conn, tenant_id=tenant_id, consultant_id=consultant_id,
                                                  skills=rows)
    embedded = False
    if embedder is not None:
        with _timed(timings, "embed"):
            embedded = embed_entities_by_id(conn, tenant_id=tenant_id, entity_type="consultant",
                                            ids=[consultant_id], embedder=embedder) > 0
    timings["total"] = round((time.perf_counter() - start) * 1000, 3)
    return ResumeImportOutcome(status=status, consultant_id=consultant_id, skills=n_skills, embedded=embedded,
                               timings=timings)


def embed_entities_by_id(conn: sa.Connection, *, tenant_id: uuid.UUID,
                         entity_type: Literal["requirement", "consultant"], ids: Sequence[uuid.UUID],
                         embedder: Embedder) -> int:
    """Embed the given entities if their text changed; returns how many were (re)embedded."""
    if entity_type == "requirement":
        texts = {r.id: _requirement_embedding_text(r) for r in requirement_repo.embedding_inputs(conn, ids=ids)}
    else:
        texts = {r.id: _consultant_embedding_text(r) for r in consultant_repo.embedding_inputs(conn, ids=ids)}
    stored = embedding_repo.current_hashes(conn, entity_type=entity_type, model=embedder.model_name, ids=list(texts))
    todo = [(eid, t, d) for eid, t in texts.items() if stored.get(eid) != (d := text_hash(t))]
    if not todo:
        return 0
    vectors = embedder.encode([t for _, t, _ in todo])
    return embedding_repo.upsert_embeddings(
        conn, tenant_id=tenant_id, entity_type=entity_type, model=embedder.model_name, dims=embedder.dims,
        rows=[(eid, vec, d) for (eid, _, d), vec in zip(todo, vectors, strict=True)])
