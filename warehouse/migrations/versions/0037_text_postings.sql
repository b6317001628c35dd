-- One word's matches with their ts_rank, for the API's in-process text index (issue 12, ADR 0032).
-- The candidate search's text source ranks an OR of a requirement's words over every match (0035). For an OR
-- query Postgres' ts_rank is the sum of each word's own ts_rank divided by the number of distinct words
-- (calc_rank_or), so a process that keeps each word's matches and ranks can rank any OR of them without asking:
-- popular words ("java", "aws") are fetched once per staleness period instead of being re-ranked per request.
-- `lexeme`: one already-stemmed lexeme (a tsquery of one item). Same security shape as 0016/0035.
DO $outer$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consultant', 'requirement'] LOOP
        EXECUTE format($fn$
            CREATE FUNCTION app.fts_postings_%1$s(lexeme tsquery, statuses text[])
            RETURNS TABLE (id uuid, rank real)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS $body$
            BEGIN
                IF lexeme IS NULL OR app.current_tenant() IS NULL THEN
                    RETURN;
                END IF;
                RETURN QUERY EXECUTE
                    'SELECT x.id, ts_rank(x.search_tsv, $1) FROM crm.%1$s x'
                    ' WHERE x.tenant_id = app.current_tenant() AND x.deleted_at IS NULL AND x.status = ANY($2)'
                    '   AND x.search_tsv @@ $1'
                    USING lexeme, statuses;
            END
            $body$;
            REVOKE ALL ON FUNCTION app.fts_postings_%1$s(tsquery, text[]) FROM PUBLIC;
        $fn$, t);
    END LOOP;
END $outer$;
