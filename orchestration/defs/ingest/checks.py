"""Asset checks on the ingestion lineage, named by the invariant they assert. Blocking checks stop downstream
assets in the same run (no embeddings from unvalidated requirements, no matching on unresolvable skills).

The requirement and consultant checks run Great Expectations suites (ml/quality/suites.py; docs/adr/0016): the
verdict, success %, failed expectations, unexpected counts and a link to the run's Data Docs page are in each check's
metadata. The other invariants stay SQL counts.
"""

# No `from __future__ import annotations`: Dagster inspects the context annotation at definition time.

from collections.abc import Iterator

import dagster as dg

from ml.quality.thresholds import MAX_MISSING_TITLE_OR_SKILLS, MAX_SHARED_KEY_RATE, PLAUSIBLE_HOURLY_USD
from orchestration.defs.ingest import assets as a  # a module alias: the loader must not see the assets twice
from orchestration.defs.ingest.metadata import markdown_table, rate
from orchestration.defs.ingest.resources import EmbedderResource
from orchestration.defs.resources import PostgresResource, TenantDatabase, tenant_database
from orchestration.lib.quality import check_result, check_results, validate
from warehouse.repositories import ingest_quality as quality
from warehouse.repositories import messages as message_repo
from warehouse.repositories import quarantine as quarantine_repo

EXPECTED_DIMS = 384
MIN_SKILL_RESOLUTION = 0.90
MAX_QUARANTINE_RATE = 0.20


@dg.asset_check(asset=a.raw_emails, blocking=True,
                description="No Message-ID is stored twice (compared without brackets and case).")
def no_duplicate_message_ids(context: dg.AssetCheckExecutionContext, postgres: PostgresResource) -> dg.AssetCheckResult:
    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        dupes = message_repo.duplicate_message_ids(conn)
    return dg.AssetCheckResult(passed=dupes == 0, metadata={"duplicate_message_ids": dupes})


PARSED_REQUIREMENT_CHECKS = [
    dg.AssetCheckSpec("requirements_have_title_and_skills", asset=a.parsed_requirements, blocking=True,
                      description=f"Extracted requirements have a title and at least one skill "
                                  f"(at most {MAX_MISSING_TITLE_OR_SKILLS:.0%} may lack either)."),
    dg.AssetCheckSpec("rates_in_plausible_range", asset=a.parsed_requirements, blocking=True,
                      description=f"Requirement bill rates are plausible hourly USD "
                                  f"({PLAUSIBLE_HOURLY_USD[0]:g}-{PLAUSIBLE_HOURLY_USD[1]:g})."),
    dg.AssetCheckSpec("duplicate_rate_below_5pct", asset=a.parsed_requirements,
                      description=f"At most {MAX_SHARED_KEY_RATE:.0%} of open requirements share a title+client key "
                                  "(dedupe is working)."),
]


@dg.multi_asset_check(specs=PARSED_REQUIREMENT_CHECKS, name="parsed_requirements_expectations",
                      description="The `parsed_requirements` expectation suite (ml/quality/suites.py).")
def parsed_requirements_expectations(context: dg.AssetCheckExecutionContext,
                                     postgres: PostgresResource) -> Iterator[dg.AssetCheckResult]:
    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        frame = quality.requirement_frame(conn)
    yield from check_results(validate(db, "parsed_requirements", frame), PARSED_REQUIREMENT_CHECKS,
                             warn=frozenset({"duplicate_rate_below_5pct"}))


@dg.asset_check(asset=a.quarantined_messages,
                description=f"At most {MAX_QUARANTINE_RATE:.0%} of inbox messages end in quarantine.")
def quarantine_rate_below_20pct(context: dg.AssetCheckExecutionContext,
                                postgres: PostgresResource) -> dg.AssetCheckResult:
    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        statuses = message_repo.status_counts(conn)
        reasons = quarantine_repo.count_by_reason(conn)
    share = rate(statuses.get("quarantined", 0), sum(statuses.values()))
    return dg.AssetCheckResult(passed=share <= MAX_QUARANTINE_RATE, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"quarantine_rate": share, "by_reason": reasons})


@dg.asset_check(asset=a.consultant_profiles, blocking=True,
                description="Consultant hourly rates are plausible hourly USD (the `consultants` expectation suite).")
def consultant_rates_in_plausible_range(context: dg.AssetCheckExecutionContext,
                                        postgres: PostgresResource) -> dg.AssetCheckResult:
    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        frame = quality.consultant_frame(conn)
    return check_result(validate(db, "consultants", frame), "consultant_rates_in_plausible_range")


@dg.asset_check(asset=a.normalized_skills, blocking=True,
                description=f"At least {MIN_SKILL_RESOLUTION:.0%} of skill mentions resolve to the taxonomy.")
def skills_resolvable_rate_above_90pct(context: dg.AssetCheckExecutionContext,
                                       postgres: PostgresResource) -> dg.AssetCheckResult:
    from warehouse.repositories.consultants import skill_resolution, unresolved_skill_names

    db = tenant_database(context, postgres)
    with db.tenant_tx() as conn:
        c_ok, c_all = skill_resolution(conn, table="consultant_skill")
        r_ok, r_all = skill_resolution(conn, table="requirement_skill")
        unresolved = unresolved_skill_names(conn)[:20]
    share = rate(c_ok + r_ok, c_all + r_all) if (c_all + r_all) else 1.0
    return dg.AssetCheckResult(passed=share >= MIN_SKILL_RESOLUTION, metadata={
        "resolved_rate": share, "consultant_rate": rate(c_ok, c_all), "requirement_rate": rate(r_ok, r_all),
        "unresolved_sample": markdown_table([{"raw_name": n} for n in unresolved], limit=20)})


def _dims_result(db: TenantDatabase, entity_type: str) -> dg.AssetCheckResult:
    with db.tenant_tx() as conn:
        count, stored, declared = quality.embedding_dimensions(conn, entity_type=entity_type)
    ok = set(stored) <= {EXPECTED_DIMS} and set(declared) <= {EXPECTED_DIMS}
    return dg.AssetCheckResult(passed=ok, metadata={"embeddings": count, "vector_dims": str(stored),
                                                    "declared_dims": str(declared)})


@dg.asset_check(asset=a.requirement_embeddings, name="embedding_dim_is_384", blocking=True,
                description="Every requirement embedding has 384 dimensions (stored and declared).")
def requirement_embedding_dim_is_384(context: dg.AssetCheckExecutionContext,
                                     postgres: PostgresResource) -> dg.AssetCheckResult:
    return _dims_result(tenant_database(context, postgres), "requirement")


@dg.asset_check(asset=a.consultant_embeddings, name="embedding_dim_is_384", blocking=True,
                description="Every consultant embedding has 384 dimensions (stored and declared).")
def consultant_embedding_dim_is_384(context: dg.AssetCheckExecutionContext,
                                    postgres: PostgresResource) -> dg.AssetCheckResult:
    return _dims_result(tenant_database(context, postgres), "consultant")


@dg.asset_check(asset=a.requirement_embeddings,
                description="Every extracted requirement has an embedding for the current model (matchable).")
def every_requirement_has_an_embedding(context: dg.AssetCheckExecutionContext, postgres: PostgresResource,
                                       ingest_embedder: EmbedderResource) -> dg.AssetCheckResult:
    db = tenant_database(context, postgres)
    model = ingest_embedder.encoder().model_name
    with db.tenant_tx() as conn:
        missing = quality.requirements_without_embedding(conn, model=model)
    return dg.AssetCheckResult(passed=missing == 0, metadata={"missing": missing, "model": model})


INGEST_CHECKS = [no_duplicate_message_ids, parsed_requirements_expectations, quarantine_rate_below_20pct, consultant_rates_in_plausible_range,
                 skills_resolvable_rate_above_90pct, requirement_embedding_dim_is_384,
                 consultant_embedding_dim_is_384, every_requirement_has_an_embedding]
