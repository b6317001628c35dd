-- Issue 12, docs/adr/0033: a change to the skill taxonomy (global, not a tenant's) is announced on channel
-- benchcrm_changes as {"tenant_id": null, "table": "skill", "id": null}, once per statement (Postgres folds identical
-- notifications of one transaction), so an API process whose change listener is connected keeps its skill graph
-- without reading the taxonomy's fingerprint on every request.
CREATE OR REPLACE FUNCTION crm.notify_taxonomy_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('benchcrm_changes', json_build_object('tenant_id', null, 'table', TG_TABLE_NAME, 'id', null)::text);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS notify_change ON crm.skill;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crm.skill
    FOR EACH STATEMENT EXECUTE FUNCTION crm.notify_taxonomy_change();
