-- The demo world's hidden truth: latent factors, true requirements, true outcome probabilities and per-email gold.
-- Only the world generator and evaluation (owner connection) read it; the application role has no privilege on
-- this schema, so no feature, training or serving code can. Applied by `demo_world.schema.migrate_world` when a
-- world is seeded, never by `benchcrm migrate` (docs/adr/0015).
-- Idempotent on purpose: databases migrated before 0020 already hold these tables (production 0003 + 0005 created
-- them), with exactly these columns; this file adopts them.
CREATE SCHEMA IF NOT EXISTS world;
REVOKE ALL ON SCHEMA world FROM PUBLIC;

CREATE TABLE IF NOT EXISTS world.run (
    tenant_id   uuid PRIMARY KEY REFERENCES crm.tenant(id) ON DELETE CASCADE,
    seed        bigint NOT NULL,
    params      jsonb NOT NULL,
    stats       jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Latent, never observable: how well a consultant interviews; true skill levels (0..1) by canonical skill.
CREATE TABLE IF NOT EXISTS world.consultant_latent (
    tenant_id       uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id   uuid NOT NULL REFERENCES crm.consultant(id) ON DELETE CASCADE,
    interview_skill double precision NOT NULL,
    true_skills     jsonb NOT NULL,
    true_years      double precision NOT NULL,
    family          text,
    padded_skills   jsonb NOT NULL DEFAULT '[]',   -- listed on the resume, not really known
    latent_key      bigint,                        -- keys the per-pair latent draw (see demo_world/outcome.py)
    PRIMARY KEY (tenant_id, consultant_id)
);

-- Latent: how picky an end client is.
CREATE TABLE IF NOT EXISTS world.company_latent (
    tenant_id        uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    company_id       uuid NOT NULL REFERENCES crm.company(id) ON DELETE CASCADE,
    pickiness        double precision NOT NULL,
    interview_rounds int CHECK (interview_rounds IS NULL OR interview_rounds BETWEEN 1 AND 10),
    PRIMARY KEY (tenant_id, company_id)
);

-- What the requirement truly needs (the email may omit or garble it).
CREATE TABLE IF NOT EXISTS world.requirement_truth (
    tenant_id        uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    requirement_id   uuid NOT NULL REFERENCES crm.requirement(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL,
    required_skills  jsonb NOT NULL,
    nice_skills      jsonb NOT NULL,
    budget_hourly    double precision NOT NULL,
    min_years        double precision NOT NULL,
    work_mode        text NOT NULL,
    lat              double precision NOT NULL,
    lon              double precision NOT NULL,
    start_date       date NOT NULL,
    visa_accepted    text[] NOT NULL,
    difficulty       double precision NOT NULL,
    timezone         text,
    family           text,
    seniority        text,
    contract_type    text,
    duration_months  double precision,
    interview_rounds int,
    latent_key       bigint,
    PRIMARY KEY (tenant_id, requirement_id)
);

-- The true probability each historical submission had of advancing (interview or beyond), and the draw.
-- ml/evaluation/oracle_bridge.py reads p_advance: this table is the world's contract with evaluation.
CREATE TABLE IF NOT EXISTS world.submission_truth (
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    submission_id  uuid NOT NULL REFERENCES crm.submission(id) ON DELETE CASCADE,
    p_advance      double precision NOT NULL CHECK (p_advance BETWEEN 0 AND 1),
    advanced       boolean NOT NULL,
    PRIMARY KEY (tenant_id, submission_id)
);

-- What each inbound email states (not what the requirement truly is): the extraction gold. Keys are documented in
-- demo_world/emails.py (gold_of). requirement_id is the true requirement the email is a copy of (NULL: not one).
CREATE TABLE IF NOT EXISTS world.message_truth (
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    message_id     uuid NOT NULL REFERENCES crm.inbound_message(id) ON DELETE CASCADE,
    requirement_id uuid REFERENCES crm.requirement(id) ON DELETE SET NULL,
    is_origin      boolean NOT NULL,
    copy_index     int NOT NULL CHECK (copy_index >= 0),
    gold           jsonb NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);

-- Foreign keys to crm ids alone need their own index, or deleting a tenant (re-seeding) scans per deleted row.
CREATE INDEX IF NOT EXISTS message_truth_message_idx ON world.message_truth (message_id);
CREATE INDEX IF NOT EXISTS message_truth_requirement_idx ON world.message_truth (requirement_id);
CREATE INDEX IF NOT EXISTS consultant_latent_consultant_idx ON world.consultant_latent (consultant_id);
CREATE INDEX IF NOT EXISTS company_latent_company_idx ON world.company_latent (company_id);
CREATE INDEX IF NOT EXISTS requirement_truth_requirement_idx ON world.requirement_truth (requirement_id);
CREATE INDEX IF NOT EXISTS submission_truth_submission_idx ON world.submission_truth (submission_id);
