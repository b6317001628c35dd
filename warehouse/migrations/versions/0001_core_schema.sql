-- BenchCRM core schema: tenancy, identity, audit, bench, demand, pipeline, matching, integration, outbox.
-- Every domain table carries tenant_id; RLS is attached in 0002 for every crm table that has one.

CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS crm;
CREATE SCHEMA IF NOT EXISTS app;

-- The tenant a unit of work runs for; NULL (sees nothing) when the transaction did not set one.
CREATE OR REPLACE FUNCTION app.current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- ---------------------------------------------------------------- tenancy, identity, permissions, audit
CREATE TABLE crm.tenant (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid GENERATED ALWAYS AS (id) STORED,  -- lets the generic RLS policy cover tenants too
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Roles and permissions are product reference data, the same for every tenant.
CREATE TABLE crm.role (
    name        text PRIMARY KEY,
    description text NOT NULL
);
CREATE TABLE crm.permission (
    id          serial PRIMARY KEY,
    resource    text NOT NULL,
    action      text NOT NULL,
    scope       text NOT NULL DEFAULT 'tenant',
    UNIQUE (resource, action, scope)
);
CREATE TABLE crm.role_permission (
    role_name     text NOT NULL REFERENCES crm.role(name),
    permission_id int  NOT NULL REFERENCES crm.permission(id),
    PRIMARY KEY (role_name, permission_id)
);

CREATE TABLE crm.app_user (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    email              text NOT NULL,
    full_name          text NOT NULL,
    role_name          text NOT NULL REFERENCES crm.role(name),
    is_service_account boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, email),
    UNIQUE (tenant_id, id)
);

CREATE TABLE crm.audit_log (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    actor_id           uuid,
    actor_type         text NOT NULL DEFAULT 'user' CHECK (actor_type IN ('user', 'service', 'system')),
    action             text NOT NULL,
    entity             text NOT NULL,
    entity_id          uuid,
    before_hash        text,
    after_hash         text,
    model_version      text,
    prompt_fingerprint text,
    request_id         text,
    payload            jsonb,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON crm.audit_log (tenant_id, entity, entity_id);
CREATE INDEX audit_log_created_idx ON crm.audit_log (tenant_id, created_at DESC, id DESC);

-- ---------------------------------------------------------------- skill taxonomy (reference data)
CREATE TABLE crm.skill (
    id             serial PRIMARY KEY,
    canonical_name text NOT NULL UNIQUE,
    category       text NOT NULL,
    parent_id      int REFERENCES crm.skill(id),
    aliases        text[] NOT NULL DEFAULT '{}',
    taxonomy_version text NOT NULL
);

-- ---------------------------------------------------------------- companies and contacts
CREATE TABLE crm.company (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    external_id text,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('client', 'vendor', 'prime_vendor', 'msp')),
    industry    text,
    domain      text,
    city        text,
    state       text,
    version     int NOT NULL DEFAULT 1,
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, external_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX company_kind_idx ON crm.company (tenant_id, kind);

CREATE TABLE crm.contact (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    company_id  uuid NOT NULL,
    external_id text,
    full_name   text NOT NULL,
    email       text,
    phone       text,
    title       text,
    version     int NOT NULL DEFAULT 1,
    deleted_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, company_id) REFERENCES crm.company (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, external_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX contact_company_idx ON crm.contact (tenant_id, company_id);

-- ---------------------------------------------------------------- the bench
CREATE TABLE crm.consultant (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    external_id      text,
    full_name        text NOT NULL,
    email            text,
    phone            text,
    title            text,
    summary          text,
    resume_text      text,
    years_experience numeric(4, 1) CHECK (years_experience IS NULL OR years_experience BETWEEN 0 AND 60),
    city             text,
    state            text,
    country          text DEFAULT 'US',
    lat              double precision CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
    lon              double precision CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),
    timezone         text,
    remote_ok        boolean NOT NULL DEFAULT true,
    willing_to_relocate boolean NOT NULL DEFAULT false,
    hourly_rate      numeric(8, 2) CHECK (hourly_rate IS NULL OR hourly_rate > 0),
    visa_status      text CHECK (visa_status IS NULL OR visa_status IN
                         ('USC', 'GC', 'GC-EAD', 'H1B', 'H4-EAD', 'L2-EAD', 'EAD', 'OPT', 'CPT', 'STEM-OPT', 'TN', 'E3')),
    available_from   date,
    bench_since      date,
    status           text NOT NULL DEFAULT 'bench' CHECK (status IN ('bench', 'marketing', 'placed', 'inactive')),
    recruiter_id     uuid,
    content_hash     text,
    version          int NOT NULL DEFAULT 1,
    deleted_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    search_tsv       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(full_name, '') || ' ' || coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(resume_text, '')), 'C')
    ) STORED,
    UNIQUE (tenant_id, external_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX consultant_status_idx ON crm.consultant (tenant_id, status, available_from);
CREATE INDEX consultant_search_idx ON crm.consultant USING gin (search_tsv);
CREATE INDEX consultant_created_idx ON crm.consultant (tenant_id, created_at, id);

CREATE TABLE crm.consultant_skill (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id uuid NOT NULL,
    skill_id      int REFERENCES crm.skill(id),
    raw_name      text NOT NULL,
    years         numeric(4, 1),
    is_primary    boolean NOT NULL DEFAULT false,
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, consultant_id, raw_name)
);
CREATE INDEX consultant_skill_skill_idx ON crm.consultant_skill (tenant_id, skill_id);

CREATE TABLE crm.availability (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id  uuid NOT NULL,
    available_from date NOT NULL,
    available_to   date,
    note           text,
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id) ON DELETE CASCADE,
    CHECK (available_to IS NULL OR available_to >= available_from)
);

CREATE TABLE crm.rate_card (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id   uuid NOT NULL,
    employment_type text NOT NULL CHECK (employment_type IN ('C2C', 'W2', '1099')),
    hourly_rate     numeric(8, 2) NOT NULL CHECK (hourly_rate > 0),
    currency        text NOT NULL DEFAULT 'USD',
    effective_from  date NOT NULL DEFAULT current_date,
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, consultant_id, employment_type, effective_from)
);

-- ---------------------------------------------------------------- inbox and demand
CREATE TABLE crm.inbound_message (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    source        text NOT NULL CHECK (source IN ('seed', 'folder', 'imap', 'api')),
    message_id    text NOT NULL,            -- RFC 822 Message-ID, or a content hash when absent
    raw           bytea NOT NULL,
    subject       text,
    from_addr     text,
    received_at   timestamptz NOT NULL,
    content_hash  text NOT NULL,
    status        text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'parsed', 'duplicate', 'not_requirement', 'quarantined')),
    requirement_id uuid,
    status_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, message_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX inbound_message_status_idx ON crm.inbound_message (tenant_id, status, received_at);

CREATE TABLE crm.quarantine (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    source      text NOT NULL,
    entity_type text NOT NULL DEFAULT 'message',
    reason      text NOT NULL,
    detail      text,
    raw         bytea,
    message_id  uuid,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_created_idx ON crm.quarantine (tenant_id, created_at DESC);

CREATE TABLE crm.requirement (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    external_id        text,
    title              text NOT NULL,
    description        text,
    raw_subject        text,
    client_company_id  uuid,
    vendor_company_id  uuid,
    end_client_name    text,
    city               text,
    state              text,
    country            text DEFAULT 'US',
    lat                double precision CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
    lon                double precision CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),
    timezone           text,
    work_mode          text CHECK (work_mode IS NULL OR work_mode IN ('onsite', 'hybrid', 'remote')),
    bill_rate_max      numeric(8, 2) CHECK (bill_rate_max IS NULL OR bill_rate_max > 0),  -- hourly USD
    employment_terms   text[],
    duration_months    numeric(5, 1),
    start_date         date,
    min_years          numeric(4, 1),
    seniority          text,
    visa_accepted      text[],
    domains            text[],
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'on_hold', 'filled', 'closed')),
    received_at        timestamptz NOT NULL DEFAULT now(),
    extraction         jsonb,
    extraction_status  text NOT NULL DEFAULT 'pending' CHECK (extraction_status IN ('pending', 'extracted', 'reviewed')),
    content_hash       text,
    recruiter_id       uuid,
    version            int NOT NULL DEFAULT 1,
    deleted_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    search_tsv         tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED,
    FOREIGN KEY (tenant_id, client_company_id) REFERENCES crm.company (tenant_id, id),
    FOREIGN KEY (tenant_id, vendor_company_id) REFERENCES crm.company (tenant_id, id),
    UNIQUE (tenant_id, external_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX requirement_status_idx ON crm.requirement (tenant_id, status, received_at);
CREATE INDEX requirement_search_idx ON crm.requirement USING gin (search_tsv);
CREATE INDEX requirement_content_hash_idx ON crm.requirement (tenant_id, content_hash);

ALTER TABLE crm.inbound_message
    ADD FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id) ON DELETE SET NULL (requirement_id);

CREATE TABLE crm.requirement_skill (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    requirement_id uuid NOT NULL,
    skill_id       int REFERENCES crm.skill(id),
    raw_name       text NOT NULL,
    is_required    boolean NOT NULL DEFAULT true,
    min_years      numeric(4, 1),
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, requirement_id, raw_name)
);
CREATE INDEX requirement_skill_skill_idx ON crm.requirement_skill (tenant_id, skill_id);

-- Provenance: the same requirement forwarded by several vendors is one requirement with several sources.
CREATE TABLE crm.requirement_source (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    requirement_id    uuid NOT NULL,
    message_id        uuid,
    vendor_company_id uuid,
    rate_quoted       numeric(8, 2),
    merge_reason      text NOT NULL DEFAULT 'origin',   -- origin | exact_hash | title_client | embedding
    similarity        double precision,
    received_at       timestamptz NOT NULL,
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, message_id) REFERENCES crm.inbound_message (tenant_id, id) ON DELETE SET NULL (message_id),
    FOREIGN KEY (tenant_id, vendor_company_id) REFERENCES crm.company (tenant_id, id),
    UNIQUE (tenant_id, message_id)
);
CREATE INDEX requirement_source_req_idx ON crm.requirement_source (tenant_id, requirement_id);

-- ---------------------------------------------------------------- matching
CREATE TABLE crm.embedding (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    entity_type  text NOT NULL CHECK (entity_type IN ('consultant', 'requirement')),
    entity_id    uuid NOT NULL,
    model        text NOT NULL,
    dims         int NOT NULL CHECK (dims = 384),
    vector       vector(384) NOT NULL,
    content_hash text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, entity_type, entity_id, model)
);
CREATE INDEX embedding_hnsw_idx ON crm.embedding USING hnsw (vector vector_cosine_ops);
CREATE INDEX embedding_entity_idx ON crm.embedding (tenant_id, entity_type, entity_id);

CREATE TABLE crm.match_run (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('api', 'batch', 'evaluation')),
    direction     text NOT NULL CHECK (direction IN ('requirement_to_consultants', 'consultant_to_requirements')),
    anchor_id     uuid NOT NULL,
    model_version text NOT NULL,
    params        jsonb NOT NULL DEFAULT '{}',
    stats         jsonb NOT NULL DEFAULT '{}',
    created_by    uuid,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE INDEX match_run_anchor_idx ON crm.match_run (tenant_id, anchor_id, started_at DESC);

CREATE TABLE crm.recommendation (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    match_run_id        uuid NOT NULL,
    requirement_id      uuid NOT NULL,
    consultant_id       uuid NOT NULL,
    rank                int NOT NULL CHECK (rank >= 1),
    match_score         double precision NOT NULL CHECK (match_score BETWEEN 0 AND 1),
    success_probability double precision CHECK (success_probability BETWEEN 0 AND 1),
    reasons             jsonb NOT NULL DEFAULT '[]',
    factors             jsonb NOT NULL DEFAULT '{}',
    inputs              jsonb NOT NULL DEFAULT '{}',
    model_version       text NOT NULL,
    decision            text CHECK (decision IS NULL OR decision IN ('approved', 'rejected')),
    decision_reason     text,
    decided_by          uuid,
    decided_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, match_run_id) REFERENCES crm.match_run (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, id)
);
CREATE INDEX recommendation_run_idx ON crm.recommendation (tenant_id, match_run_id, rank);
CREATE INDEX recommendation_pair_idx ON crm.recommendation (tenant_id, requirement_id, consultant_id);

CREATE TABLE crm.feature_snapshot (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    recommendation_id uuid,
    requirement_id    uuid NOT NULL,
    consultant_id     uuid NOT NULL,
    feature_version   text NOT NULL,
    features          jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES crm.recommendation (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX feature_snapshot_rec_idx ON crm.feature_snapshot (tenant_id, recommendation_id);

-- ---------------------------------------------------------------- the submission pipeline
CREATE TABLE crm.submission (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id     uuid NOT NULL,
    requirement_id    uuid NOT NULL,
    vendor_company_id uuid,
    recruiter_id      uuid,
    recommendation_id uuid,
    status            text NOT NULL DEFAULT 'draft' CHECK (status IN
                          ('draft', 'submitted', 'interviewing', 'offered', 'placed', 'rejected', 'withdrawn')),
    submitted_rate    numeric(8, 2),
    pay_rate          numeric(8, 2),
    match_score       double precision,
    success_probability double precision,
    submitted_at      timestamptz,
    closed_at         timestamptz,
    version           int NOT NULL DEFAULT 1,
    deleted_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id),
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id),
    FOREIGN KEY (tenant_id, vendor_company_id) REFERENCES crm.company (tenant_id, id),
    FOREIGN KEY (tenant_id, recommendation_id) REFERENCES crm.recommendation (tenant_id, id),
    UNIQUE (tenant_id, consultant_id, requirement_id),
    UNIQUE (tenant_id, id)
);
CREATE INDEX submission_req_idx ON crm.submission (tenant_id, requirement_id);
CREATE INDEX submission_status_idx ON crm.submission (tenant_id, status, submitted_at);

CREATE TABLE crm.interview (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    submission_id uuid NOT NULL,
    round         int NOT NULL DEFAULT 1 CHECK (round BETWEEN 1 AND 10),
    scheduled_at  timestamptz NOT NULL,
    outcome       text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'passed', 'failed', 'no_show', 'cancelled')),
    version       int NOT NULL DEFAULT 1,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES crm.submission (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, submission_id, round)
);

CREATE TABLE crm.offer (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    submission_id uuid NOT NULL,
    bill_rate     numeric(8, 2),
    pay_rate      numeric(8, 2),
    offered_at    timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'extended' CHECK (status IN ('extended', 'accepted', 'declined', 'rescinded')),
    version       int NOT NULL DEFAULT 1,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES crm.submission (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, submission_id)
);

CREATE TABLE crm.placement (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    submission_id  uuid NOT NULL,
    consultant_id  uuid NOT NULL,
    requirement_id uuid NOT NULL,
    bill_rate      numeric(8, 2),
    pay_rate       numeric(8, 2),
    start_date     date NOT NULL,
    end_date       date,
    version        int NOT NULL DEFAULT 1,
    deleted_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES crm.submission (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id),
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id),
    UNIQUE (tenant_id, submission_id),
    CHECK (end_date IS NULL OR end_date >= start_date)
);

-- ---------------------------------------------------------------- activities, attachments, tags
CREATE TABLE crm.activity (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('email', 'call', 'note', 'meeting')),
    subject        text,
    body           text,
    consultant_id  uuid,
    requirement_id uuid,
    contact_id     uuid,
    actor_id       uuid,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    version        int NOT NULL DEFAULT 1,
    deleted_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, consultant_id) REFERENCES crm.consultant (tenant_id, id),
    FOREIGN KEY (tenant_id, requirement_id) REFERENCES crm.requirement (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES crm.contact (tenant_id, id)
);
CREATE INDEX activity_occurred_idx ON crm.activity (tenant_id, occurred_at DESC);

CREATE TABLE crm.attachment (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    entity_type  text NOT NULL,
    entity_id    uuid NOT NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    sha256       text NOT NULL,
    content      bytea,
    version      int NOT NULL DEFAULT 1,
    deleted_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachment_entity_idx ON crm.attachment (tenant_id, entity_type, entity_id);

CREATE TABLE crm.tag (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    name       text NOT NULL,
    color      text,
    version    int NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);
CREATE TABLE crm.entity_tag (
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    tag_id      uuid NOT NULL,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES crm.tag (tenant_id, id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, tag_id, entity_type, entity_id)
);

-- ---------------------------------------------------------------- integrations, jobs, events
CREATE TABLE crm.integration_account (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    provider          text NOT NULL,           -- imap | folder | gmail | ...
    name              text NOT NULL,
    config            jsonb NOT NULL DEFAULT '{}',
    secret_ciphertext bytea,                    -- encrypted in the application (no pgcrypto in pgserver)
    cursor            jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, provider, name)
);

CREATE TABLE crm.import_job (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    source      text NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    stats       jsonb NOT NULL DEFAULT '{}',
    error       text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

CREATE TABLE crm.outbox (
    id             bigserial PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    event_id       uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    event_type     text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id   uuid,
    payload        jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz
);
CREATE INDEX outbox_pending_idx ON crm.outbox (tenant_id, id) WHERE dispatched_at IS NULL;

CREATE TABLE crm.webhook_endpoint (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    url         text NOT NULL,
    secret      text NOT NULL,
    event_types text[] NOT NULL DEFAULT '{*}',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);

CREATE TABLE crm.webhook_event (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    endpoint_id     uuid NOT NULL,
    outbox_event_id uuid NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES crm.webhook_endpoint (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, endpoint_id, outbox_event_id)
);
CREATE INDEX webhook_event_due_idx ON crm.webhook_event (status, next_attempt_at);

CREATE TABLE crm.idempotency_key (
    tenant_id     uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL,
    status_code   int NOT NULL,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

-- AI gateway telemetry and cache (token accounting, per-tenant daily cap).
CREATE TABLE crm.ai_call (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    provider          text NOT NULL,
    model             text NOT NULL,
    purpose           text NOT NULL,
    input_hash        text NOT NULL,
    prompt_tokens     int NOT NULL DEFAULT 0,
    completion_tokens int NOT NULL DEFAULT 0,
    cost_usd          numeric(12, 6) NOT NULL DEFAULT 0,
    latency_ms        double precision NOT NULL DEFAULT 0,
    status            text NOT NULL,
    cached            boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_call_day_idx ON crm.ai_call (tenant_id, created_at);

CREATE TABLE crm.ai_cache (
    tenant_id  uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    input_hash text NOT NULL,
    provider   text NOT NULL,
    output     jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, input_hash)
);
