-- Full-text search under RLS. Postgres evaluates a query's own conditions before the row-level-security policy
-- (and so may use an index for them) only when their functions are LEAKPROOF; `tsvector @@ tsquery`
-- (ts_match_vq) is not marked so, which turned every `q=` search into a scan of the whole table. ts_match_vq only
-- returns a boolean and raises nothing that depends on the row it reads, so marking it leakproof lets the GIN
-- indexes on search_tsv answer `q=` while the tenant policy still filters every row. Changing a catalog function
-- needs a superuser (the embedded server's owner is one); elsewhere this is skipped with a notice.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
    ELSE
        RAISE NOTICE 'not a superuser: ts_match_vq stays non-leakproof; full-text search under RLS will not use GIN';
    END IF;
END $$;
