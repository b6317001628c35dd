-- Issue 13: erasure reaches the marts at once (ADR 0019). The marts are dbt's tables, owned by the owner; the API's
-- role may only SELECT them. The incremental facts (fct_submission_events, fct_recommendations) never drop a row
-- whose crm source was hard-deleted, and the table marts keep a person's name until the next build, so the erasure
-- request removes the person's rows itself through this function: SECURITY DEFINER (runs as the owner, as dbt does;
-- RLS does not apply inside), so each statement filters by the caller's tenant explicitly
-- (`tenant_id = app.current_tenant()`, the marts policy's own expression) and a caller without a tenant does nothing.
-- Tables and columns are discovered in the catalog at each call, so a mart added later is covered and a database
-- where dbt has not run yet (no schema `marts`) answers an empty result:
--   * rows whose person column (uuid consultant_id or contact_id) holds one of the ids are deleted;
--   * in the tenant's remaining rows every text column matching `pattern` (case-insensitive ARE, the same pattern
--     the crm scrub uses) has the matches replaced by `replacement`.
-- Returns one row per table.column touched with the number of rows. Only the application role may call it (the
-- migration runner grants EXECUTE on schema app; PUBLIC may not).
CREATE OR REPLACE FUNCTION app.erase_from_marts(person_ids uuid[], pattern text, replacement text DEFAULT '[erased]')
RETURNS TABLE (target text, affected bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant uuid := app.current_tenant();
    t record;
    c record;
    n bigint;
BEGIN
    IF tenant IS NULL THEN
        RETURN;
    END IF;
    FOR t IN
        SELECT cl.relname AS name FROM pg_class cl JOIN pg_namespace ns ON ns.oid = cl.relnamespace
        WHERE ns.nspname = 'marts' AND cl.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = cl.oid AND a.attname = 'tenant_id'
                      AND a.attnum > 0 AND NOT a.attisdropped)
        ORDER BY 1
    LOOP
        IF coalesce(cardinality(person_ids), 0) > 0 THEN
            FOR c IN
                SELECT a.attname AS name FROM pg_attribute a
                WHERE a.attrelid = format('marts.%I', t.name)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.atttypid = 'uuid'::regtype AND a.attname IN ('consultant_id', 'contact_id')
                ORDER BY 1
            LOOP
                EXECUTE format('DELETE FROM marts.%I WHERE tenant_id = $1 AND %I = ANY($2)', t.name, c.name)
                    USING tenant, person_ids;
                GET DIAGNOSTICS n = ROW_COUNT;
                IF n > 0 THEN
                    target := t.name || '.' || c.name; affected := n; RETURN NEXT;
                END IF;
            END LOOP;
        END IF;
        IF coalesce(pattern, '') <> '' THEN
            FOR c IN
                SELECT a.attname AS name FROM pg_attribute a
                WHERE a.attrelid = format('marts.%I', t.name)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)
                ORDER BY 1
            LOOP
                EXECUTE format('UPDATE marts.%1$I SET %2$I = regexp_replace(%2$I, $2, $3, ''gi'') '
                               'WHERE tenant_id = $1 AND %2$I ~* $2', t.name, c.name)
                    USING tenant, pattern, replacement;
                GET DIAGNOSTICS n = ROW_COUNT;
                IF n > 0 THEN
                    target := t.name || '.' || c.name; affected := n; RETURN NEXT;
                END IF;
            END LOOP;
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION app.erase_from_marts(uuid[], text, text) FROM PUBLIC;
