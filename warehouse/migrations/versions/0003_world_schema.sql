-- The demo world's hidden truth. Only the world generator and the evaluation oracle (owner connection) read it;
-- the application role has no privilege on this schema, so no feature, training or serving code can.
CREATE SCHEMA IF NOT EXISTS world;

CREATE TABLE world.run (
    tenant_id   uuid PRIMARY KEY REFERENCES crm.tenant(id) ON DELETE CASCADE,
    seed        bigint NOT NULL,
    params      jsonb NOT NULL,
    stats       jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Latent, never observable: how well a consultant interviews; true skill levels (0..1) by canonical skill.
CREATE TABLE world.consultant_latent (
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    consultant_id  uuid NOT NULL REFERENCES crm.consultant(id) ON DELETE CASCADE,
    interview_skill double precision NOT NULL,
    true_skills    jsonb NOT NULL,
    true_years     double precision NOT NULL,
    PRIMARY KEY (tenant_id, consultant_id)
);

-- Latent: how picky an end client is.
CREATE TABLE world.company_latent (
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    company_id  uuid NOT NULL REFERENCES crm.company(id) ON DELETE CASCADE,
    pickiness   double precision NOT NULL,
    PRIMARY KEY (tenant_id, company_id)
);

-- What the requirement truly needs (the email may omit or garble it).
CREATE TABLE world.requirement_truth (
    tenant_id       uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    requirement_id  uuid NOT NULL REFERENCES crm.requirement(id) ON DELETE CASCADE,
    client_id       uuid NOT NULL,
    required_skills jsonb NOT NULL,
    nice_skills     jsonb NOT NULL,
    budget_hourly   double precision NOT NULL,
    min_years       double precision NOT NULL,
    work_mode       text NOT NULL,
    lat             double precision NOT NULL,
    lon             double precision NOT NULL,
    start_date      date NOT NULL,
    visa_accepted   text[] NOT NULL,
    difficulty      double precision NOT NULL,
    PRIMARY KEY (tenant_id, requirement_id)
);

-- The true probability each historical submission had of advancing (interview or beyond), and the draw.
CREATE TABLE world.submission_truth (
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    submission_id  uuid NOT NULL REFERENCES crm.submission(id) ON DELETE CASCADE,
    p_advance      double precision NOT NULL CHECK (p_advance BETWEEN 0 AND 1),
    advanced       boolean NOT NULL,
    PRIMARY KEY (tenant_id, submission_id)
);
