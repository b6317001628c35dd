-- Issue 12, docs/adr/0035: the nearest-neighbour candidate source searches only vectors of rows that can be proposed
-- (consultants on the bench or marketing, open requirements; not deleted). Before, it searched a graph of every
-- consultant and the candidate query dropped the unmatchable after: at 100k consultants (half of them placed or
-- inactive) ann_k = 200 left ~100 matchable rows, recall@10 against an exact search of the matchable was 0.81, and
-- the search cost ~6 ms of Postgres CPU. A partial HNSW graph over matchable vectors returns only rows the query
-- keeps. `matchable` is kept by triggers: set on every vector written, and re-set when its row's status or
-- deletion changes. The candidate query still filters on the rows themselves, so a stale flag can only cost recall,
-- never propose an unmatchable row. The statuses below are the Python Entity.statuses
-- (warehouse/queries/matching.py); tests/warehouse/test_matchable_vectors.py holds the two to each other.
ALTER TABLE crm.embedding ADD COLUMN IF NOT EXISTS matchable boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION crm.entity_matchable(kind text, entity uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE kind
        WHEN 'consultant' THEN EXISTS (SELECT 1 FROM crm.consultant x WHERE x.id = entity
                                         AND x.deleted_at IS NULL AND x.status IN ('bench', 'marketing'))
        WHEN 'requirement' THEN EXISTS (SELECT 1 FROM crm.requirement x WHERE x.id = entity
                                          AND x.deleted_at IS NULL AND x.status IN ('open'))
        ELSE false END
$$;

CREATE OR REPLACE FUNCTION crm.embedding_set_matchable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.matchable := crm.entity_matchable(NEW.entity_type, NEW.entity_id);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS set_matchable ON crm.embedding;
CREATE TRIGGER set_matchable BEFORE INSERT OR UPDATE OF entity_type, entity_id, vector ON crm.embedding
    FOR EACH ROW EXECUTE FUNCTION crm.embedding_set_matchable();

-- TG_ARGV[0]: the entity type of the table the trigger is on. Only vectors whose flag changes are rewritten (a new
-- tuple is a new entry in the graph).
CREATE OR REPLACE FUNCTION crm.entity_sync_matchable() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_ record := COALESCE(NEW, OLD);
    now_matchable boolean := TG_OP <> 'DELETE' AND crm.entity_matchable(TG_ARGV[0], row_.id);
BEGIN
    UPDATE crm.embedding e SET matchable = now_matchable
     WHERE e.tenant_id = row_.tenant_id AND e.entity_type = TG_ARGV[0] AND e.entity_id = row_.id
       AND e.matchable IS DISTINCT FROM now_matchable;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS sync_matchable ON crm.consultant;
CREATE TRIGGER sync_matchable AFTER UPDATE OF status, deleted_at OR DELETE ON crm.consultant
    FOR EACH ROW EXECUTE FUNCTION crm.entity_sync_matchable('consultant');
DROP TRIGGER IF EXISTS sync_matchable ON crm.requirement;
CREATE TRIGGER sync_matchable AFTER UPDATE OF status, deleted_at OR DELETE ON crm.requirement
    FOR EACH ROW EXECUTE FUNCTION crm.entity_sync_matchable('requirement');

REVOKE ALL ON FUNCTION crm.embedding_set_matchable() FROM PUBLIC;
REVOKE ALL ON FUNCTION crm.entity_sync_matchable() FROM PUBLIC;

UPDATE crm.embedding e SET matchable = true
 WHERE NOT e.matchable AND crm.entity_matchable(e.entity_type, e.entity_id);

-- The graphs the candidate query searches (nearest_sql). Nothing else searches consultant vectors by distance, so
-- the whole-type consultant graph goes (every vector written would otherwise enter two graphs); the requirement one
-- stays for the near-duplicate search of all requirements (warehouse/repositories/requirements.py).
DROP INDEX IF EXISTS crm.embedding_consultant_hnsw_idx;
CREATE INDEX IF NOT EXISTS embedding_consultant_matchable_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'consultant' AND matchable;
CREATE INDEX IF NOT EXISTS embedding_requirement_matchable_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'requirement' AND matchable;
