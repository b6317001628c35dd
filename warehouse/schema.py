"""The CRM's tables as SQLAlchemy Core metadata: the one shape the code derives from.

The forward-only SQL files in `warehouse/migrations/versions/` stay the source of DDL (constraints, indexes, RLS,
grants live there); this module states what those migrations build, column by column, so Python code (CRUD specs,
repository row models, API schemas, the demo world's inserts) can name a table's columns without typing them out again.
`tests/warehouse/test_schema.py` reflects the migrated database and fails when the two disagree, so a migration that
adds, drops or retypes a column must change this file in the same commit.

Only the `crm` schema is described: the demo world's truth tables (`world.*`) belong to the demo, not to the product.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pgvector.sqlalchemy import VECTOR
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

# `serial` ids carry `server_default=sa.FetchedValue()`: the database fills them from a sequence.
metadata = sa.MetaData(schema="crm")

# Every tenant-owned CRUD table carries these; the API exposes id, version, created_at and updated_at itself.
SYSTEM_COLUMNS = frozenset({"id", "tenant_id", "version", "deleted_at", "created_at", "updated_at", "search_tsv"})


def _owned() -> list[sa.Column]:
    """A tenant's row: a random uuid id and the owning tenant (RLS filters on it)."""
    return [sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
            sa.Column("tenant_id", sa.Uuid, nullable=False)]


def _versioned() -> list[sa.Column]:
    """A CRUD record: optimistic-concurrency version (the ETag), soft delete, and its timestamps."""
    return [sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
            sa.Column("deleted_at", sa.DateTime(timezone=True)),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()"))]


tenant = sa.Table(
    "tenant", metadata,
    sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    sa.Column("tenant_id", sa.Uuid, sa.Computed("id", persisted=True)),
    sa.Column("slug", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("disabled_at", sa.DateTime(timezone=True)),  # migration 0024: its tokens answer 401
)

role = sa.Table(
    "role", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
)

permission = sa.Table(
    "permission", metadata,
    sa.Column("id", sa.Integer, primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False, server_default=sa.text("'tenant'")),
)

role_permission = sa.Table(
    "role_permission", metadata,
    sa.Column("role_name", sa.Text, primary_key=True),
    sa.Column("permission_id", sa.Integer, primary_key=True),
)

app_user = sa.Table(
    "app_user", metadata,
    *_owned(),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("role_name", sa.Text, nullable=False),
    sa.Column("is_service_account", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

audit_log = sa.Table(
    "audit_log", metadata,
    *_owned(),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("actor_type", sa.Text, nullable=False, server_default=sa.text("'user'")),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Uuid),
    sa.Column("before_hash", sa.Text),
    sa.Column("after_hash", sa.Text),
    sa.Column("model_version", sa.Text),
    sa.Column("prompt_fingerprint", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("payload", JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("client_request_id", sa.Text),  # the caller's X-Request-ID, validated (migration 0017)
)

skill = sa.Table(
    "skill", metadata,
    sa.Column("id", sa.Integer, primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("canonical_name", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("parent_id", sa.Integer),
    sa.Column("aliases", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
    sa.Column("taxonomy_version", sa.Text, nullable=False),
    sa.Column("hot", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("in_demand", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("source", sa.Text, nullable=False, server_default=sa.text("'curated'")),
    sa.Column("kind", sa.Text, nullable=False, server_default=sa.text("'skill'")),
)

company = sa.Table(
    "company", metadata,
    *_owned(),
    sa.Column("external_id", sa.Text),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("industry", sa.Text),
    sa.Column("domain", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    *_versioned(),
)

contact = sa.Table(
    "contact", metadata,
    *_owned(),
    sa.Column("company_id", sa.Uuid, nullable=False),
    sa.Column("external_id", sa.Text),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("title", sa.Text),
    *_versioned(),
    # sealed email/phone (warehouse/sealed.py) are found by keyed blind indexes (migration 0018)
    sa.Column("email_bidx", sa.Text),
    sa.Column("phone_bidx", sa.Text),
)

consultant = sa.Table(
    "consultant", metadata,
    *_owned(),
    sa.Column("external_id", sa.Text),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("summary", sa.Text),
    sa.Column("resume_text", sa.Text),
    sa.Column("years_experience", sa.Numeric(4, 1)),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("country", sa.Text, server_default=sa.text("'US'")),
    sa.Column("lat", sa.Double),
    sa.Column("lon", sa.Double),
    sa.Column("timezone", sa.Text),
    sa.Column("remote_ok", sa.Boolean, nullable=False, server_default=sa.text("true")),
    sa.Column("willing_to_relocate", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("hourly_rate", sa.Numeric(8, 2)),
    sa.Column("visa_status", sa.Text),
    sa.Column("available_from", sa.Date),
    sa.Column("bench_since", sa.Date),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'bench'")),
    sa.Column("recruiter_id", sa.Uuid),
    sa.Column("content_hash", sa.Text),
    *_versioned(),
    sa.Column("search_tsv", TSVECTOR, sa.Computed(
        "setweight(to_tsvector('english', coalesce(full_name, '') || ' ' || coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(summary, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(resume_text, '')), 'C')", persisted=True)),
    # sealed email/phone (warehouse/sealed.py) are found by keyed blind indexes (migration 0018)
    sa.Column("email_bidx", sa.Text),
    sa.Column("phone_bidx", sa.Text),
)

consultant_skill = sa.Table(
    "consultant_skill", metadata,
    *_owned(),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("skill_id", sa.Integer),
    sa.Column("raw_name", sa.Text, nullable=False),
    sa.Column("years", sa.Numeric(4, 1)),
    sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("position", sa.SmallInteger),
)

availability = sa.Table(
    "availability", metadata,
    *_owned(),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("available_from", sa.Date, nullable=False),
    sa.Column("available_to", sa.Date),
    sa.Column("note", sa.Text),
)

rate_card = sa.Table(
    "rate_card", metadata,
    *_owned(),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("employment_type", sa.Text, nullable=False),
    sa.Column("hourly_rate", sa.Numeric(8, 2), nullable=False),
    sa.Column("currency", sa.Text, nullable=False, server_default=sa.text("'USD'")),
    sa.Column("effective_from", sa.Date, nullable=False, server_default=sa.text("current_date")),
)

inbound_message = sa.Table(
    "inbound_message", metadata,
    *_owned(),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("from_addr", sa.Text),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'new'")),
    sa.Column("requirement_id", sa.Uuid),
    sa.Column("status_reason", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

quarantine = sa.Table(
    "quarantine", metadata,
    *_owned(),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("entity_type", sa.Text, nullable=False, server_default=sa.text("'message'")),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("raw", sa.LargeBinary),
    sa.Column("message_id", sa.Uuid),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("content_hash", sa.Text),
)

requirement = sa.Table(
    "requirement", metadata,
    *_owned(),
    sa.Column("external_id", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("raw_subject", sa.Text),
    sa.Column("client_company_id", sa.Uuid),
    sa.Column("vendor_company_id", sa.Uuid),
    sa.Column("end_client_name", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("country", sa.Text, server_default=sa.text("'US'")),
    sa.Column("lat", sa.Double),
    sa.Column("lon", sa.Double),
    sa.Column("timezone", sa.Text),
    sa.Column("work_mode", sa.Text),
    sa.Column("bill_rate_max", sa.Numeric(8, 2)),
    sa.Column("employment_terms", ARRAY(sa.Text)),
    sa.Column("duration_months", sa.Numeric(5, 1)),
    sa.Column("start_date", sa.Date),
    sa.Column("min_years", sa.Numeric(4, 1)),
    sa.Column("seniority", sa.Text),
    sa.Column("visa_accepted", ARRAY(sa.Text)),
    sa.Column("domains", ARRAY(sa.Text)),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("extraction", JSONB),
    sa.Column("extraction_status", sa.Text, nullable=False, server_default=sa.text("'pending'")),
    sa.Column("content_hash", sa.Text),
    sa.Column("recruiter_id", sa.Uuid),
    *_versioned(),
    sa.Column("search_tsv", TSVECTOR, sa.Computed(
        "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(description, '')), 'C')", persisted=True)),
    sa.Column("dedupe_key", sa.Text),
)

requirement_skill = sa.Table(
    "requirement_skill", metadata,
    *_owned(),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("skill_id", sa.Integer),
    sa.Column("raw_name", sa.Text, nullable=False),
    sa.Column("is_required", sa.Boolean, nullable=False, server_default=sa.text("true")),
    sa.Column("min_years", sa.Numeric(4, 1)),
)

requirement_source = sa.Table(
    "requirement_source", metadata,
    *_owned(),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("message_id", sa.Uuid),
    sa.Column("vendor_company_id", sa.Uuid),
    sa.Column("rate_quoted", sa.Numeric(8, 2)),
    sa.Column("merge_reason", sa.Text, nullable=False, server_default=sa.text("'origin'")),
    sa.Column("similarity", sa.Double),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

embedding = sa.Table(
    "embedding", metadata,  # LIST-partitioned by tenant (migration 0034): the key includes tenant_id
    sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("entity_type", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("dims", sa.Integer, nullable=False),
    sa.Column("vector", VECTOR(384), nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    # kept by triggers (migration 0039): whether the row it embeds can be proposed; the ANN graphs hold only these
    sa.Column("matchable", sa.Boolean, nullable=False, server_default=sa.text("false")),
)

match_run = sa.Table(
    "match_run", metadata,
    *_owned(),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("direction", sa.Text, nullable=False),
    sa.Column("anchor_id", sa.Uuid, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("params", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("stats", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("created_by", sa.Uuid),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

recommendation = sa.Table(
    "recommendation", metadata,
    *_owned(),
    sa.Column("match_run_id", sa.Uuid, nullable=False),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("match_score", sa.Double, nullable=False),
    sa.Column("success_probability", sa.Double),
    sa.Column("reasons", JSONB, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("factors", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("inputs", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("decision", sa.Text),
    sa.Column("decision_reason", sa.Text),
    sa.Column("decided_by", sa.Uuid),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

feature_snapshot = sa.Table(
    "feature_snapshot", metadata,
    *_owned(),
    sa.Column("recommendation_id", sa.Uuid),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("feature_version", sa.Text, nullable=False),
    sa.Column("features", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

submission = sa.Table(
    "submission", metadata,
    *_owned(),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("vendor_company_id", sa.Uuid),
    sa.Column("recruiter_id", sa.Uuid),
    sa.Column("recommendation_id", sa.Uuid),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'draft'")),
    sa.Column("submitted_rate", sa.Numeric(8, 2)),
    sa.Column("pay_rate", sa.Numeric(8, 2)),
    sa.Column("match_score", sa.Double),
    sa.Column("success_probability", sa.Double),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    *_versioned(),
)

interview = sa.Table(
    "interview", metadata,
    *_owned(),
    sa.Column("submission_id", sa.Uuid, nullable=False),
    sa.Column("round", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False, server_default=sa.text("'pending'")),
    *_versioned(),
)

offer = sa.Table(
    "offer", metadata,
    *_owned(),
    sa.Column("submission_id", sa.Uuid, nullable=False),
    sa.Column("bill_rate", sa.Numeric(8, 2)),
    sa.Column("pay_rate", sa.Numeric(8, 2)),
    sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'extended'")),
    *_versioned(),
)

placement = sa.Table(
    "placement", metadata,
    *_owned(),
    sa.Column("submission_id", sa.Uuid, nullable=False),
    sa.Column("consultant_id", sa.Uuid, nullable=False),
    sa.Column("requirement_id", sa.Uuid, nullable=False),
    sa.Column("bill_rate", sa.Numeric(8, 2)),
    sa.Column("pay_rate", sa.Numeric(8, 2)),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date),
    *_versioned(),
)

activity = sa.Table(
    "activity", metadata,
    *_owned(),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("consultant_id", sa.Uuid),
    sa.Column("requirement_id", sa.Uuid),
    sa.Column("contact_id", sa.Uuid),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    *_versioned(),
)

attachment = sa.Table(
    "attachment", metadata,
    *_owned(),
    sa.Column("entity_type", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("content_type", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary),
    *_versioned(),
)

tag = sa.Table(
    "tag", metadata,
    *_owned(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("color", sa.Text),
    *_versioned(),
)

entity_tag = sa.Table(
    "entity_tag", metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("tag_id", sa.Uuid, primary_key=True),
    sa.Column("entity_type", sa.Text, primary_key=True),
    sa.Column("entity_id", sa.Uuid, primary_key=True),
)

integration_account = sa.Table(
    "integration_account", metadata,
    *_owned(),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("config", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("secret_ciphertext", sa.LargeBinary),
    sa.Column("cursor", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

import_job = sa.Table(
    "import_job", metadata,
    *_owned(),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'running'")),
    sa.Column("stats", JSONB, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("error", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("aggregate_type", sa.Text, nullable=False),
    sa.Column("aggregate_id", sa.Uuid),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("dispatched_at", sa.DateTime(timezone=True)),
)

webhook_endpoint = sa.Table(
    "webhook_endpoint", metadata,
    *_owned(),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("event_types", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{*}'")),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

webhook_event = sa.Table(
    "webhook_event", metadata,
    *_owned(),
    sa.Column("endpoint_id", sa.Uuid, nullable=False),
    sa.Column("outbox_event_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'pending'")),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("lease_token", sa.Uuid),
    sa.Column("leased_until", sa.DateTime(timezone=True)),
)

idempotency_key = sa.Table(
    "idempotency_key", metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

ai_call = sa.Table(
    "ai_call", metadata,
    *_owned(),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("input_hash", sa.Text, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("completion_tokens", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("cost_usd", sa.Numeric(12, 6), nullable=False, server_default=sa.text("0")),
    sa.Column("latency_ms", sa.Double, nullable=False, server_default=sa.text("0")),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("cached", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

ai_cache = sa.Table(
    "ai_cache", metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("input_hash", sa.Text, primary_key=True),
    sa.Column("provider", sa.Text, primary_key=True),
    sa.Column("output", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)


def table(name: str) -> sa.Table:
    """`crm.<name>`; a KeyError names the table when it is not part of the schema."""
    try:
        return metadata.tables[f"crm.{name}"]
    except KeyError:
        raise KeyError(f"crm.{name} is not in warehouse.schema") from None


def python_type(column: sa.Column) -> type:
    """What a column carries in Python: JSON as a dict, NUMERIC as a float (the API and features want floats)."""
    if isinstance(column.type, sa.JSON):
        return dict
    found = column.type.python_type
    return float if found is Decimal else found


def row_model(name: str, table_name: str, *, exclude: frozenset[str] = frozenset(), required: tuple[str, ...] = (),
              defaults: Mapping[str, Any] | None = None, doc: str | None = None) -> type:
    """A frozen dataclass of the table's columns (minus the system columns and `exclude`), typed from the schema:
    the `required` ones first and mandatory, every other one optional (`None`, or its entry in `defaults`)."""
    columns = [c for c in table(table_name).columns if c.name not in SYSTEM_COLUMNS | exclude]
    fields: list[Any] = [(c.name, python_type(c)) for c in columns if c.name in required]
    fields += [(c.name, python_type(c) | None, dataclasses.field(default=(defaults or {}).get(c.name)))
               for c in columns if c.name not in required]
    model = dataclasses.make_dataclass(name, fields, frozen=True)
    model.__doc__ = doc
    return model


def column_names(name: str) -> tuple[str, ...]:
    return tuple(c.name for c in table(name).columns)


def _describe(column: sa.Column, dialect: sa.Dialect) -> tuple[str, bool, bool, bool, bool]:
    return (column.type.compile(dialect=dialect), column.nullable, column.primary_key,
            column.server_default is not None and column.computed is None, column.computed is not None)


def differences(reflected: sa.MetaData, dialect: sa.Dialect, expected: sa.MetaData = metadata) -> list[str]:
    """How the database's `crm` tables (as reflected) differ from `expected`: missing or extra tables and columns,
    column order, type, nullability, primary key, whether a default or a generated expression is set. Empty when
    they agree."""
    found: list[str] = []
    have = {t.name: t for t in reflected.tables.values() if t.schema == "crm"}
    want = {t.name: t for t in expected.tables.values()}
    found += [f"crm.{n}: in the database, not in warehouse.schema" for n in sorted(have.keys() - want.keys())]
    found += [f"crm.{n}: in warehouse.schema, not in the database" for n in sorted(want.keys() - have.keys())]
    attributes = ("type", "nullable", "primary key", "default", "generated")
    for name in sorted(have.keys() & want.keys()):
        db_cols, md_cols = have[name].columns, want[name].columns
        db_names, md_names = [c.name for c in db_cols], [c.name for c in md_cols]
        found += [f"crm.{name}.{c}: in the database, not in warehouse.schema" for c in db_names if c not in md_cols]
        found += [f"crm.{name}.{c}: in warehouse.schema, not in the database" for c in md_names if c not in db_cols]
        shared = [c for c in md_names if c in db_cols]
        if [c for c in db_names if c in md_cols] != shared:
            found.append(f"crm.{name}: columns in another order than the database's")
        for column in shared:
            db, md = _describe(db_cols[column], dialect), _describe(md_cols[column], dialect)
            found += [f"crm.{name}.{column}: {what} is {d!r} in the database, {m!r} in warehouse.schema"
                      for what, d, m in zip(attributes, db, md, strict=True) if d != m]
    return found


# ------------------------------------------------------------------------------------------------ personal data

privacy_request = sa.Table(
    "privacy_request", metadata,
    *_owned(),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject_hash", sa.Text, nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("request_id", sa.Text),
    sa.Column("counts", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

retention_policy = sa.Table(
    "retention_policy", metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("months", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

retention_run = sa.Table(
    "retention_run", metadata,
    *_owned(),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("months", sa.Integer, nullable=False),
    sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted", sa.Integer, nullable=False),
    sa.Column("run_id", sa.Text),
    sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)

# Feature snapshots queued by a recommendation request for the background writer (migration 0019, ADR 0020).
feature_snapshot_pending = sa.Table(
    "feature_snapshot_pending", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("match_run_id", sa.Uuid, nullable=False),
    sa.Column("snapshots", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
)
