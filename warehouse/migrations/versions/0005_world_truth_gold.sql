-- The demo world's hidden truth, continued (0003 created the schema): what the outcome process and the oracle need
-- beyond 0003's columns, and the per-email gold that the extraction benchmark scores against. Still schema `world`,
-- still unreadable by the application role (the runner revokes the schema from it on every migrate).

ALTER TABLE world.consultant_latent
    ADD COLUMN family        text,
    ADD COLUMN padded_skills jsonb NOT NULL DEFAULT '[]',   -- listed on the resume, not really known
    ADD COLUMN latent_key    bigint;                        -- keys the per-pair latent draw (see ml/world/outcome.py)

ALTER TABLE world.company_latent
    ADD COLUMN interview_rounds int CHECK (interview_rounds IS NULL OR interview_rounds BETWEEN 1 AND 10);

ALTER TABLE world.requirement_truth
    ADD COLUMN timezone         text,
    ADD COLUMN family           text,
    ADD COLUMN seniority        text,
    ADD COLUMN contract_type    text,
    ADD COLUMN duration_months  double precision,
    ADD COLUMN interview_rounds int,
    ADD COLUMN latent_key       bigint;

-- What each inbound email states (not what the requirement truly is): the extraction gold. Keys are documented in
-- ml/world/emails.py (gold_of). requirement_id is the true requirement the email is a copy of (NULL: not one).
CREATE TABLE world.message_truth (
    tenant_id      uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    message_id     uuid NOT NULL REFERENCES crm.inbound_message(id) ON DELETE CASCADE,
    requirement_id uuid REFERENCES crm.requirement(id) ON DELETE SET NULL,
    is_origin      boolean NOT NULL,
    copy_index     int NOT NULL CHECK (copy_index >= 0),
    gold           jsonb NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);

-- Foreign keys to crm ids alone need their own index, or deleting a tenant (re-seeding) scans per deleted row.
CREATE INDEX message_truth_message_idx ON world.message_truth (message_id);
CREATE INDEX message_truth_requirement_idx ON world.message_truth (requirement_id);
CREATE INDEX consultant_latent_consultant_idx ON world.consultant_latent (consultant_id);
CREATE INDEX company_latent_company_idx ON world.company_latent (company_id);
CREATE INDEX requirement_truth_requirement_idx ON world.requirement_truth (requirement_id);
CREATE INDEX submission_truth_submission_idx ON world.submission_truth (submission_id);
-- Same reason on the crm side: FK lookups that no existing index serves.
CREATE INDEX IF NOT EXISTS placement_consultant_idx ON crm.placement (tenant_id, consultant_id);
CREATE INDEX IF NOT EXISTS placement_requirement_idx ON crm.placement (tenant_id, requirement_id);
CREATE INDEX IF NOT EXISTS inbound_message_requirement_idx ON crm.inbound_message (tenant_id, requirement_id);
CREATE INDEX IF NOT EXISTS availability_consultant_idx ON crm.availability (tenant_id, consultant_id);
CREATE INDEX IF NOT EXISTS submission_vendor_idx ON crm.submission (tenant_id, vendor_company_id);
CREATE INDEX IF NOT EXISTS requirement_client_idx ON crm.requirement (tenant_id, client_company_id);
CREATE INDEX IF NOT EXISTS requirement_vendor_idx ON crm.requirement (tenant_id, vendor_company_id);
CREATE INDEX IF NOT EXISTS requirement_source_vendor_idx ON crm.requirement_source (tenant_id, vendor_company_id);
