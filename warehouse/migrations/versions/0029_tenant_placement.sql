-- Issue 14 §4, docs/adr/0025: the tenant directory. Which Postgres server (a name from BENCHCRM_DATABASE_SERVERS)
-- holds each tenant's rows, and the state of a move between servers. Only the primary server's table is read; the
-- migration runs on every server, so the others carry an empty copy. A tenant without a row lives on the primary
-- (tenants created before placement existed, and by the demo seed).
CREATE TABLE IF NOT EXISTS app.tenant_placement (
    tenant_id   uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    server      text NOT NULL,                 -- where requests go
    moving_to   text,                          -- set while a move runs: requests are refused (503, Retry-After)
    move_step   text CHECK (move_step IN ('marked', 'copied')),
    cleanup_on  text,                          -- a finished move's source, until its rows there are deleted
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((moving_to IS NULL) = (move_step IS NULL))
);

-- The application role cannot read the table (it has no grants in schema app); it asks for the placement of the
-- tenant its transaction is scoped to, and nothing else.
CREATE OR REPLACE FUNCTION app.tenant_placement() RETURNS TABLE (server text, moving_to text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, app AS $$
    SELECT p.server, p.moving_to FROM app.tenant_placement p WHERE p.tenant_id = app.current_tenant()
$$;
REVOKE ALL ON FUNCTION app.tenant_placement() FROM PUBLIC;
