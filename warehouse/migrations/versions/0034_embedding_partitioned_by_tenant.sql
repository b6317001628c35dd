-- crm.embedding, LIST-partitioned by tenant (docs/adr/0028). Every tenant on a server shared one HNSW graph per
-- entity type, and RLS dropped the other tenants' rows only after the index had returned its ef_search nearest:
-- with N equal tenants a search saw ~1/N of its budget, so ANN recall fell with every tenant added. One partition
-- per tenant gives each tenant its own graphs; the candidate query names the tenant, so only its partition is
-- searched. Partitions live in crm_part (no grants: the application reaches them only through crm.embedding and
-- its RLS policy); a trigger on crm.tenant creates them, whoever inserts the tenant (CLI, seeding, tests).
CREATE SCHEMA IF NOT EXISTS crm_part;

ALTER TABLE crm.embedding RENAME TO embedding_unpartitioned;
ALTER INDEX IF EXISTS crm.embedding_hnsw_idx RENAME TO embedding_unpartitioned_hnsw_idx;
ALTER INDEX IF EXISTS crm.embedding_consultant_hnsw_idx RENAME TO embedding_unpartitioned_consultant_hnsw_idx;
ALTER INDEX IF EXISTS crm.embedding_requirement_hnsw_idx RENAME TO embedding_unpartitioned_requirement_hnsw_idx;
ALTER INDEX IF EXISTS crm.embedding_entity_idx RENAME TO embedding_unpartitioned_entity_idx;

CREATE TABLE crm.embedding (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES crm.tenant(id) ON DELETE CASCADE,
    entity_type  text NOT NULL CHECK (entity_type IN ('consultant', 'requirement')),
    entity_id    uuid NOT NULL,
    model        text NOT NULL,
    dims         int NOT NULL CHECK (dims = 384),
    vector       vector(384) NOT NULL,
    content_hash text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, entity_type, entity_id, model)
) PARTITION BY LIST (tenant_id);
-- The per-type graphs only (the global one of 0001 duplicated both: twice the RAM for no reader).
CREATE INDEX embedding_consultant_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'consultant';
CREATE INDEX embedding_requirement_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'requirement';
CREATE INDEX embedding_entity_idx ON crm.embedding (tenant_id, entity_type, entity_id);
-- Rows of a tenant without its own partition (none while the trigger below is in place) still have a home.
CREATE TABLE crm_part.embedding_default PARTITION OF crm.embedding DEFAULT;

-- In crm_part, which the application role cannot use, so only the owner calls them: the triggers below, and a
-- tenant move, which copies with triggers off and creates the partition in its own short transaction first
-- (creating a partition locks crm.embedding; it must not stay locked for a whole copy).
CREATE OR REPLACE FUNCTION crm_part.ensure_embedding_partition(tenant uuid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS crm_part.%I PARTITION OF crm.embedding FOR VALUES IN (%L)',
                   'embedding_' || replace(tenant::text, '-', ''), tenant);
END $$;

CREATE OR REPLACE FUNCTION crm_part.drop_embedding_partition(tenant uuid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS crm_part.%I', 'embedding_' || replace(tenant::text, '-', ''));
END $$;

CREATE OR REPLACE FUNCTION app.tenant_partitions_on_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM crm_part.ensure_embedding_partition(NEW.id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION app.tenant_partitions_on_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM crm_part.drop_embedding_partition(OLD.id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS tenant_partitions_on_insert ON crm.tenant;
CREATE TRIGGER tenant_partitions_on_insert AFTER INSERT ON crm.tenant
    FOR EACH ROW EXECUTE FUNCTION app.tenant_partitions_on_insert();
DROP TRIGGER IF EXISTS tenant_partitions_on_delete ON crm.tenant;
CREATE TRIGGER tenant_partitions_on_delete AFTER DELETE ON crm.tenant
    FOR EACH ROW EXECUTE FUNCTION app.tenant_partitions_on_delete();

-- Trigger functions (Postgres refuses to call them directly) and owner-only helpers: nobody else runs them.
REVOKE ALL ON FUNCTION app.tenant_partitions_on_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.tenant_partitions_on_delete() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_part.ensure_embedding_partition(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_part.drop_embedding_partition(uuid) FROM PUBLIC;

SELECT crm_part.ensure_embedding_partition(id) FROM crm.tenant;
INSERT INTO crm.embedding (id, tenant_id, entity_type, entity_id, model, dims, vector, content_hash, created_at)
SELECT id, tenant_id, entity_type, entity_id, model, dims, vector, content_hash, created_at
FROM crm.embedding_unpartitioned;
DROP TABLE crm.embedding_unpartitioned;

ALTER TABLE crm.embedding ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.embedding FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON crm.embedding USING (tenant_id = app.current_tenant())
    WITH CHECK (tenant_id = app.current_tenant());
