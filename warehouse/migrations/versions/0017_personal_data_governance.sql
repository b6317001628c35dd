-- Issue 13, personal data. (1) The caller's X-Request-ID is kept apart from the server's own request id.
-- (2) Data-subject export and erasure are Owner/Admin only (permission people:read / people:delete), and each is
-- recorded in crm.privacy_request by a keyed hash of the address, never the address itself.
-- (3) Retention policies per tenant (defaults live in code: warehouse/privacy/retention.py) and one audit row per
-- deletion batch.
ALTER TABLE crm.audit_log ADD COLUMN IF NOT EXISTS client_request_id text
    CHECK (client_request_id IS NULL OR length(client_request_id) <= 64);

INSERT INTO crm.permission (resource, action, scope)
VALUES ('people', 'read', 'tenant'), ('people', 'delete', 'tenant')
ON CONFLICT DO NOTHING;
INSERT INTO crm.role_permission (role_name, permission_id)
SELECT r.name, p.id FROM crm.role r JOIN crm.permission p ON p.resource = 'people'
WHERE r.name IN ('Owner', 'Admin')
ON CONFLICT DO NOTHING;

CREATE TABLE crm.privacy_request (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    action       text NOT NULL CHECK (action IN ('export', 'erase')),
    subject_hash text NOT NULL,          -- HMAC of the normalized address: proves which request, reveals nothing
    actor_id     uuid,
    request_id   text,
    counts       jsonb NOT NULL DEFAULT '{}',   -- rows per table, no values
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_request_created_idx ON crm.privacy_request (tenant_id, created_at DESC);

CREATE TABLE crm.retention_policy (
    tenant_id  uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('raw_email', 'unplaced_resume', 'quarantine')),
    months     int NOT NULL CHECK (months BETWEEN 1 AND 240),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE crm.retention_run (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    kind      text NOT NULL,
    months    int NOT NULL,
    cutoff    timestamptz NOT NULL,
    deleted   int NOT NULL CHECK (deleted >= 0),
    run_id    text,
    ran_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retention_run_ran_idx ON crm.retention_run (tenant_id, ran_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['privacy_request', 'retention_policy', 'retention_run'] LOOP
        EXECUTE format('ALTER TABLE crm.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE crm.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON crm.%I USING (tenant_id = app.current_tenant()) '
            'WITH CHECK (tenant_id = app.current_tenant())', t);
    END LOOP;
END $$;
