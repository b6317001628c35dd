-- Candidate generation's full-text source ranked inside Postgres, ids only (issue 12, ADR 0031).
-- 0016's app.fts_<table>(query) returns *every* match as whole rows, sorted by creation; the candidate query then
-- filtered and ranked them. An OR of a requirement's words ("java | docker | rest | apis | spring ...") matches
-- half of a bench: at 10,000 consultants 5,000 whole rows (with their tsvectors) were sorted, spilled to a temp
-- file and ranked per request, ~90 ms and most of a recommendation's Postgres time. app.fts_top_<table> filters
-- the matchable rows (`statuses`: warehouse/queries/matching.Entity.statuses), ranks them by ts_rank and returns
-- just the ids of the best `max_rows`: the same candidates, without moving the rows.
-- Same security shape as 0016: SECURITY DEFINER, the caller's tenant filtered explicitly, planned with the call's
-- values (EXECUTE ... USING), callable only by the application role (the runner's grant).
DO $outer$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consultant', 'requirement'] LOOP
        EXECUTE format($fn$
            CREATE FUNCTION app.fts_top_%1$s(query tsquery, statuses text[], max_rows int)
            RETURNS TABLE (id uuid)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS $body$
            BEGIN
                IF query IS NULL OR app.current_tenant() IS NULL OR max_rows < 1 THEN
                    RETURN;
                END IF;
                RETURN QUERY EXECUTE
                    'SELECT x.id FROM crm.%1$s x'
                    ' WHERE x.tenant_id = app.current_tenant() AND x.deleted_at IS NULL AND x.status = ANY($2)'
                    '   AND x.search_tsv @@ $1 ORDER BY ts_rank(x.search_tsv, $1) DESC, x.id LIMIT $3'
                    USING query, statuses, max_rows;
            END
            $body$;
            REVOKE ALL ON FUNCTION app.fts_top_%1$s(tsquery, text[], int) FROM PUBLIC;
        $fn$, t);
    END LOOP;
END $outer$;
