"""The ingestion lineage as assets: raw_emails -> parsed_requirements (+ quarantined_messages) -> normalized_skills
-> requirement_embeddings / consultant_embeddings, and resumes -> consultant_profiles.

Bodies are thin: the work is `ml.ingest.pipeline` on a tenant transaction. Every step is incremental (inbox rows
with status 'new', skills without a skill_id, texts whose hash changed), so re-materializing with nothing new
costs a few queries, and the API's fast path leaves nothing for these assets to redo.
"""


import time

import dagster as dg
from pydantic import Field

from ml.ingest import pipeline
from orchestration.defs.ingest.metadata import markdown_table, rate
from orchestration.defs.ingest.resources import EmbedderResource, InboxResource
from orchestration.defs.resources import PostgresResource, TenantDatabase, tenant_database
from orchestration.lib.partitions import tenants_partitions
from warehouse.repositories import consultants as consultant_repo
from warehouse.repositories import messages as message_repo
from warehouse.repositories import quarantine as quarantine_repo
from warehouse.repositories import requirements as requirement_repo

OWNERS = ["team:data-platform"]
CHUNK = 200


class RawEmailsConfig(dg.Config):
    """What to fetch. Empty (a manual materialization): everything in the folder and the mailbox, which is
    idempotent because messages are keyed by Message-ID. The inbox sensor passes exactly the new items."""

    folder_keys: list[str] | None = Field(default=None, description="Folder item keys; None: the whole folder.")
    imap_uids: list[str] | None = Field(default=None, description="IMAP UIDs; None: the whole mailbox.")
    full_scan: bool = Field(default=False, description="Ignore the keys and read every source completely.")


class ConsultantProfilesConfig(dg.Config):
    resume_keys: list[str] | None = Field(default=None, description="Resume file keys; None: every resume file.")
    full_scan: bool = False


@dg.asset(
    partitions_def=tenants_partitions, group_name="ingest", kinds={"python", "postgres"}, owners=OWNERS,
    description="Raw RFC 822 messages from the folder drop (.eml/.mbox/Maildir) and IMAP, stored once per "
                "Message-ID in crm.inbound_message with status 'new'.",
)
def raw_emails(context: dg.AssetExecutionContext, config: RawEmailsConfig, postgres: PostgresResource,
               inbox: InboxResource) -> dg.MaterializeResult:
    db = tenant_database(context, postgres)
    start = time.perf_counter()
    folder = inbox.folder_source(db.tenant_slug)
    imap = inbox.imap_source(db.tenant_slug)
    manual = config.full_scan or (config.folder_keys is None and config.imap_uids is None)
    folder_keys = folder.all_keys().keys if manual else (config.folder_keys or [])
    imap_keys: list[str] = []
    if imap is not None:
        imap_keys = imap.poll(None, limit=10**9).keys if manual else (config.imap_uids or [])
    stats = pipeline.RegisterStats()
    for source, keys in ((folder, folder_keys), (imap, imap_keys)):
        if source is None:
            continue
        items = list(source.read(keys))
        for i in range(0, len(items), CHUNK):
            with db.tenant_tx() as conn:
                pipeline.register_raw(conn, tenant_id=db.tenant_id(), items=items[i:i + CHUNK], stats=stats)
    with db.tenant_tx() as conn:
        statuses = message_repo.status_counts(conn)
    context.log.info(f"fetched {stats.fetched} messages ({stats.new} new) in {'full' if manual else 'sensor'} mode")
    return dg.MaterializeResult(metadata={
        "mode": "full scan" if manual else "incremental (sensor)",
        "fetched": stats.fetched, "new_messages": stats.new, "already_known": stats.known,
        "quarantined_oversized": stats.quarantined, "by_source": stats.by_source,
        "inbox_by_status": statuses, "dagster/row_count": sum(statuses.values()),
        "sample_messages": markdown_table(stats.samples),
        "seconds": round(time.perf_counter() - start, 3),
    })


@dg.asset(
    partitions_def=tenants_partitions, group_name="parse", kinds={"python", "postgres"}, owners=OWNERS, 
    deps=[raw_emails],
    description="Inbox messages parsed, classified, extracted and deduplicated into crm.requirement (+ skills, "
                "sources, embeddings); unusable input goes to quarantine with its reason.",
)
def parsed_requirements(context: dg.AssetExecutionContext, postgres: PostgresResource,
                        ingest_embedder: EmbedderResource) -> dg.MaterializeResult:
    db = tenant_database(context, postgres)
    embedder = ingest_embedder.encoder()
    tenant_id = db.tenant_id()
    stats = pipeline.PendingStats()
    with db.tenant_tx() as conn:
        backfilled = pipeline.backfill_dedupe_keys(conn)
    while True:
        before = stats.processed
        with db.tenant_tx() as conn:
            pipeline.process_pending(conn, tenant_id=tenant_id, limit=CHUNK, embedder=embedder, stats=stats)
        if stats.processed == before:
            break
    with db.tenant_tx() as conn:
        from_descriptions = pipeline.extract_pending_requirements(conn, tenant_id=tenant_id)
        n_requirements = requirement_repo.count_requirements(conn)
    n = stats.processed
    by = stats.by_status
    context.log.info(f"processed {n} messages: {by}")
    return dg.MaterializeResult(metadata={
        "messages_processed": n, "by_status": by,
        "parse_rate": rate(n - by.get("quarantined", 0), n), "quarantine_rate": rate(by.get("quarantined", 0), n),
        "duplicate_rate": rate(by.get("duplicate", 0), n), "quarantine_reasons": stats.quarantine_reasons,
        "requirements_extracted_from_description": from_descriptions, "dedupe_keys_backfilled": backfilled,
        "dagster/row_count": int(n_requirements), "embedding_model": embedder.model_name,
        "sample_records": markdown_table(stats.samples),
        "seconds": round(stats.seconds, 3), "messages_per_second": round(n / stats.seconds, 1) if n else 0.0,
    })


@dg.asset(
    partitions_def=tenants_partitions, group_name="parse", kinds={"python", "postgres"}, owners=OWNERS, 
    deps=[parsed_requirements],
    description="Everything that could not be parsed or validated (crm.quarantine): reason, source, raw bytes. "
                "Nothing is dropped silently; the API lists the same rows.",
)
def quarantined_messages(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        by_reason = quarantine_repo.count_by_reason(conn)
        recent = quarantine_repo.list_quarantine(conn, limit=10)
        statuses = message_repo.status_counts(conn)
    total_messages = sum(statuses.values())
    return dg.MaterializeResult(metadata={
        "dagster/row_count": sum(by_reason.values()), "by_reason": by_reason,
        "message_quarantine_rate": rate(statuses.get("quarantined", 0), total_messages),
        "recent": markdown_table([{"created_at": r.created_at.isoformat(timespec="seconds"), "source": r.source,
                                   "entity": r.entity_type, "reason": r.reason, "bytes": r.raw_size}
                                  for r in recent]),
    })


@dg.asset(
    partitions_def=tenants_partitions, group_name="parse", kinds={"python", "postgres"}, owners=OWNERS,
    description="Resumes (PDF, DOCX, TXT) from the folder drop turned into consultant profiles with skills; "
                "unreadable files are quarantined.",
)
def consultant_profiles(context: dg.AssetExecutionContext, config: ConsultantProfilesConfig,
                        postgres: PostgresResource, inbox: InboxResource) -> dg.MaterializeResult:
    db = tenant_database(context, postgres)
    start = time.perf_counter()
    folder = inbox.folder_source(db.tenant_slug)
    full = config.full_scan or config.resume_keys is None
    keys = folder.all_keys().resume_keys if full else (config.resume_keys or [])
    tenant_id = db.tenant_id()
    counts: dict[str, int] = {}
    samples = []
    for item in folder.read(keys):
        with db.tenant_tx() as conn:
            outcome = pipeline.process_resume(conn, tenant_id=tenant_id, filename=item.filename or item.key,
                                              data=item.data, source="folder")
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if len(samples) < 5:
            samples.append({"file": item.key, "status": outcome.status, "skills": outcome.skills,
                            "reason": outcome.reason or ""})
    with db.tenant_tx() as conn:
        total = consultant_repo.count_consultants(conn)
    context.log.info(f"resumes: {counts}")
    return dg.MaterializeResult(metadata={
        "resumes_read": len(keys), "by_status": counts, "dagster/row_count": int(total),
        "sample_records": markdown_table(samples), "seconds": round(time.perf_counter() - start, 3),
    })


@dg.asset(
    partitions_def=tenants_partitions, group_name="normalize", kinds={"python", "postgres"}, owners=OWNERS,
    deps=[parsed_requirements, consultant_profiles],
    description="Raw skill mentions of consultants and requirements mapped to the taxonomy (skill_id).",
)
def normalized_skills(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    db = tenant_database(context, postgres)
    start = time.perf_counter()
    with db.tenant_tx() as conn:
        stats = pipeline.normalize_skills(conn)
    return dg.MaterializeResult(metadata={
        "newly_resolved_rows": stats.newly_resolved,
        "consultant_skill_resolved_rate": rate(stats.consultant_resolved, stats.consultant_total),
        "requirement_skill_resolved_rate": rate(stats.requirement_resolved, stats.requirement_total),
        "dagster/row_count": stats.consultant_total + stats.requirement_total,
        "unresolved_names": markdown_table([{"raw_name": n} for n in stats.still_unresolved_names], limit=25),
        "seconds": round(time.perf_counter() - start, 3),
    })


def _embed(db: TenantDatabase, embedder_resource: EmbedderResource, entity_type: str):
    embedder = embedder_resource.encoder()
    with db.tenant_tx() as conn:
        stats = pipeline.embed_entities(conn, tenant_id=db.tenant_id(), entity_type=entity_type,
                                        embedder=embedder)
    return dg.MaterializeResult(metadata={
        "model": stats.model, "dims": stats.dims, "considered": stats.considered, "embedded": stats.embedded,
        "unchanged": stats.unchanged, "dagster/row_count": stats.considered, "seconds": stats.seconds,
        "texts_per_second": round(stats.embedded / stats.seconds, 1) if stats.embedded and stats.seconds else 0.0,
    })


@dg.asset(
    partitions_def=tenants_partitions, group_name="embed", kinds={"python", "postgres"}, owners=OWNERS, 
    deps=[normalized_skills],
    description="One 384-d embedding per requirement in crm.embedding (pgvector, HNSW); only new or changed "
                "texts (by content hash) are embedded.",
)
def requirement_embeddings(context: dg.AssetExecutionContext, postgres: PostgresResource,
                        ingest_embedder: EmbedderResource) -> dg.MaterializeResult:
    return _embed(tenant_database(context, postgres), ingest_embedder, "requirement")


@dg.asset(
    partitions_def=tenants_partitions, group_name="embed", kinds={"python", "postgres"}, owners=OWNERS, 
    deps=[normalized_skills],
    description="One 384-d embedding per consultant in crm.embedding; only new or changed texts are embedded.",
)
def consultant_embeddings(context: dg.AssetExecutionContext, postgres: PostgresResource,
                        ingest_embedder: EmbedderResource) -> dg.MaterializeResult:
    return _embed(tenant_database(context, postgres), ingest_embedder, "consultant")


INGEST_ASSETS = [raw_emails, parsed_requirements, quarantined_messages, consultant_profiles, normalized_skills,
                 requirement_embeddings, consultant_embeddings]

ingest_job = dg.define_asset_job(
    "ingest_job", selection=dg.AssetSelection.groups("ingest", "parse", "normalize", "embed"),
    description="Fetch new mail and resumes, parse, dedupe, normalize and embed (incremental).")


def run_config_for(*, folder_keys: list[str], imap_uids: list[str], resume_keys: list[str]) -> dict:
    """Run config for `ingest_job` that processes exactly these new items (what the inbox sensor launches)."""
    return {"ops": {
        "raw_emails": {"config": {"folder_keys": folder_keys, "imap_uids": imap_uids}},
        "consultant_profiles": {"config": {"resume_keys": resume_keys}},
    }}
