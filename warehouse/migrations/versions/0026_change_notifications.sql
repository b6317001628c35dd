-- Issue 12, docs/adr/0022: every committed change to what ranking keeps in memory per API process is announced on
-- channel benchcrm_changes as {"tenant_id", "table", "id"}, where id is the consultant or requirement the row belongs
-- to (TG_ARGV[0] names that column). Postgres delivers notifications at commit, drops them with a rolled-back
-- transaction and folds identical ones within a transaction, so a bulk write of one entity's skills sends one.
CREATE OR REPLACE FUNCTION crm.notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r jsonb := to_jsonb(COALESCE(NEW, OLD));
BEGIN
    PERFORM pg_notify('benchcrm_changes', json_build_object(
        'tenant_id', r ->> 'tenant_id', 'table', TG_TABLE_NAME, 'id', r ->> TG_ARGV[0])::text);
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM (r ->> TG_ARGV[0]) THEN
        PERFORM pg_notify('benchcrm_changes', json_build_object(
            'tenant_id', to_jsonb(OLD) ->> 'tenant_id', 'table', TG_TABLE_NAME, 'id', to_jsonb(OLD) ->> TG_ARGV[0])::text);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS notify_change ON crm.consultant;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.consultant
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('id');
DROP TRIGGER IF EXISTS notify_change ON crm.consultant_skill;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.consultant_skill
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('consultant_id');
DROP TRIGGER IF EXISTS notify_change ON crm.requirement;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.requirement
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('id');
DROP TRIGGER IF EXISTS notify_change ON crm.requirement_skill;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.requirement_skill
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('requirement_id');
DROP TRIGGER IF EXISTS notify_change ON crm.requirement_source;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.requirement_source
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('requirement_id');
DROP TRIGGER IF EXISTS notify_change ON crm.submission;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.submission
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('consultant_id');
DROP TRIGGER IF EXISTS notify_change ON crm.interview;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON crm.interview
    FOR EACH ROW EXECUTE FUNCTION crm.notify_change('submission_id');
