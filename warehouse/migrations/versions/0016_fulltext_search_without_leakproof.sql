-- Full-text search under RLS without changing a catalog function (ADR 0018; replaces 0009's approach).
-- Under RLS Postgres may use an index for a query's own condition only if its operator is LEAKPROOF, and
-- `tsvector @@ tsquery` is not; 0009 marked it leakproof database-wide, which needs a superuser, weakens the
-- guarantee for every user of the database, and on an external server without one left `q=` as a filter over
-- every row of the tenant.
-- Instead a search page is computed by app.fts_<table>(): SECURITY DEFINER, owned by the owner (a superuser or a
-- BYPASSRLS role, as dbt already requires), so RLS does not apply inside and the planner is free to pick the GIN
-- index (rare words) or the (tenant_id, created_at, id) index walked backwards (common words), exactly as it
-- could with LEAKPROOF. Each call filters by the caller's tenant explicitly (`tenant_id = app.current_tenant()`,
-- the policy's own expression), so it returns only rows the caller's policy would allow. The query is built with
-- EXECUTE ... USING, so it is planned with the call's values (page size, cursor); equality filters name columns
-- that must exist in the table (checked against the catalog) and are compared to literals (format %I / %L).
-- max_rows NULL: every match (the matching service ranks them itself). Only the application role may call them
-- (the migration runner grants it; PUBLIC and the BI logins may not).
DO $outer$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consultant', 'requirement'] LOOP
        EXECUTE format($fn$
            CREATE FUNCTION app.fts_%1$s(query tsquery, filters jsonb DEFAULT '{}', after_created timestamptz
                                         DEFAULT NULL, after_id uuid DEFAULT NULL, max_rows int DEFAULT NULL)
            RETURNS SETOF crm.%1$s
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS $body$
            DECLARE
                sql text := 'SELECT * FROM crm.%1$s WHERE tenant_id = app.current_tenant() AND deleted_at IS NULL'
                            ' AND search_tsv @@ $1';
                k text;
            BEGIN
                IF query IS NULL OR app.current_tenant() IS NULL THEN
                    RETURN;
                END IF;
                FOR k IN SELECT jsonb_object_keys(coalesce(filters, '{}')) ORDER BY 1 LOOP
                    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'crm.%1$s'::regclass
                                   AND attname = k AND attnum > 0 AND NOT attisdropped) THEN
                        RAISE EXCEPTION 'no column %% in crm.%1$s', k USING ERRCODE = 'undefined_column';
                    END IF;
                    sql := sql || format(' AND %%I = %%L', k, filters ->> k);
                END LOOP;
                IF after_created IS NOT NULL THEN
                    sql := sql || ' AND (created_at, id) < ($2, $3)';
                END IF;
                sql := sql || ' ORDER BY created_at DESC, id DESC';
                IF max_rows IS NOT NULL THEN
                    sql := sql || ' LIMIT $4';
                END IF;
                RETURN QUERY EXECUTE sql USING query, after_created, after_id, max_rows;
            END
            $body$;
            REVOKE ALL ON FUNCTION app.fts_%1$s(tsquery, jsonb, timestamptz, uuid, int) FROM PUBLIC;
        $fn$, t);
    END LOOP;
END $outer$;

-- Undo 0009's database-wide change where it was made (a superuser owner); nothing relies on it any more.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) NOT LEAKPROOF;
    END IF;
END $$;
