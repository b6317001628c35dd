-- Per-tenant read-only BI logins (ADR 0018). A BI tool used to read marts as the application role with
-- `options=-c app.tenant_id=<uuid>`: whoever held that password could name any tenant. Now each tenant gets its
-- own login role (`benchcrm bi-credentials --tenant SLUG`), a member of the group `benchcrm_bi`, and the marts'
-- policy for that group keys on the login's identity (current_user -> tenant in app.bi_login), which no client
-- setting can change. The group gets SELECT on marts only (granted by dbt's `secure_mart` post-hook), nothing in
-- crm, staging or intermediate.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'benchcrm_bi') THEN
        CREATE ROLE benchcrm_bi NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
END $$;

CREATE TABLE app.bi_login (
    role_name   name PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    rotated_at  timestamptz NOT NULL DEFAULT now()
);

-- A BI login may read its own mapping row (the policy function below runs as the caller), nobody else's.
ALTER TABLE app.bi_login ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.bi_login FORCE ROW LEVEL SECURITY;
CREATE POLICY own_login ON app.bi_login FOR SELECT TO benchcrm_bi USING (role_name = current_user);

-- The tenant of the connected BI login; NULL (sees nothing) for any other role.
CREATE FUNCTION app.bi_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT tenant_id FROM app.bi_login WHERE role_name = current_user $$;

GRANT USAGE ON SCHEMA app TO benchcrm_bi;
GRANT SELECT ON app.bi_login TO benchcrm_bi;
