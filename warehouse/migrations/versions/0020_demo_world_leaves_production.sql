-- The demo world's truth tables (schema `world`) left the production stream: demo_world/migrations creates them,
-- applied only when a demo world is seeded (docs/adr/0015). 0003 and 0005 stay as they were applied (forward-only:
-- their checksums are on record), so a new install still creates the tables there and this step takes them away
-- again. A database that holds a seeded world keeps it: the world stream adopts those tables (its DDL is
-- idempotent). 0005's crm indexes are production indexes and stay.
DO $$
DECLARE
    rel regclass;
    has_rows boolean;
BEGIN
    IF to_regnamespace('world') IS NULL THEN
        RETURN;
    END IF;
    FOR rel IN SELECT c.oid::regclass FROM pg_class c
               WHERE c.relnamespace = 'world'::regnamespace AND c.relkind IN ('r', 'p') LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', rel) INTO has_rows;
        IF has_rows THEN
            RAISE NOTICE 'schema world holds a seeded demo world (%); kept', rel;
            RETURN;
        END IF;
    END LOOP;
    DROP SCHEMA world CASCADE;
END $$;
