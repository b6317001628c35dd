-- Issue 12 / 13: rate limits shared by every API worker and replica (docs/adr/0020). A token bucket per key lives in
-- one row; `app.rate_limit_take` refills and takes from it in one atomic upsert, so one round trip decides a request
-- whatever process serves it. Keys are built by the server: `api:<tenant>`, `expensive:<tenant>`,
-- `anonymous:<client address>`, so two tenants never share a bucket.
--
-- The tables live outside `crm` and the application role gets no privilege on them: it can only call the
-- SECURITY DEFINER function, which runs as the owner that created this schema (no RLS on these tables).
CREATE SCHEMA IF NOT EXISTS ratelimit;

-- Per-tenant overrides of the defaults in settings (BENCHCRM_RATE_LIMIT_*); no row = the defaults.
CREATE TABLE IF NOT EXISTS ratelimit.tenant_policy (
    tenant_id       uuid NOT NULL REFERENCES crm.tenant (id) ON DELETE CASCADE,
    budget          text NOT NULL CHECK (budget IN ('api', 'expensive')),
    rate_per_second double precision NOT NULL CHECK (rate_per_second > 0 AND rate_per_second <= 100000),
    burst           double precision NOT NULL CHECK (burst >= 1 AND burst <= 1000000),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, budget)
);

-- UNLOGGED: no WAL per request; a crash empties it, which only refills every bucket (a limiter may forget, never
-- lose data). fillfactor leaves room on each page so the constant updates stay HOT (no index churn).
CREATE UNLOGGED TABLE IF NOT EXISTS ratelimit.bucket (
    bucket_key  text PRIMARY KEY,
    tokens      double precision NOT NULL,
    refilled_at timestamptz NOT NULL,
    granted     boolean NOT NULL
) WITH (fillfactor = 50);

-- The tokens a bucket holds at `now`: what it had plus the refill since, capped at the burst.
CREATE OR REPLACE FUNCTION ratelimit.refilled(tokens double precision, refilled_at timestamptz, now timestamptz,
                                              rate double precision, burst double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT least(burst, tokens + greatest(0, extract(epoch FROM now - refilled_at)) * rate)
$$;

-- Take one token from `p_key`'s bucket. Returns 0 when granted, else the seconds until a token is available.
-- The tenant's policy row (if any) overrides the caller's defaults; `p_tenant` NULL means no per-tenant policy.
CREATE OR REPLACE FUNCTION app.rate_limit_take(p_key text, p_tenant uuid, p_budget text,
                                               p_rate double precision, p_burst double precision)
RETURNS double precision
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, ratelimit
AS $$
DECLARE
    v_rate  double precision := p_rate;
    v_burst double precision := p_burst;
    v_now   timestamptz := clock_timestamp();
    v_tokens double precision;
    v_granted boolean;
BEGIN
    IF p_tenant IS NOT NULL THEN
        SELECT pol.rate_per_second, pol.burst INTO v_rate, v_burst
        FROM ratelimit.tenant_policy pol WHERE pol.tenant_id = p_tenant AND pol.budget = p_budget;
        IF NOT FOUND THEN
            v_rate := p_rate;
            v_burst := p_burst;
        END IF;
    END IF;
    INSERT INTO ratelimit.bucket AS b (bucket_key, tokens, refilled_at, granted)
    VALUES (p_key, v_burst - 1, v_now, true)
    ON CONFLICT (bucket_key) DO UPDATE SET
        tokens = ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst)
                 - CASE WHEN ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst) >= 1 THEN 1 ELSE 0 END,
        refilled_at = greatest(b.refilled_at, v_now),
        granted = ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst) >= 1
    RETURNING b.tokens, b.granted INTO v_tokens, v_granted;
    -- Forget idle buckets now and then (about one call in 2,000), so per-address keys do not pile up; a bucket idle
    -- for an hour is full again under any budget whose burst refills within the hour.
    IF random() < 0.0005 THEN
        DELETE FROM ratelimit.bucket WHERE refilled_at < v_now - interval '1 hour';
    END IF;
    IF v_granted THEN
        RETURN 0;
    END IF;
    RETURN greatest((1 - v_tokens) / v_rate, 0.001);
END
$$;

REVOKE ALL ON FUNCTION app.rate_limit_take(text, uuid, text, double precision, double precision) FROM PUBLIC;

-- Issue 12: durable write-behind of feature snapshots (docs/adr/0020). A recommendation request writes its match
-- run and recommendation rows (decisions need them at once) and, in the same transaction, ONE row holding the run's
-- feature snapshots as a JSON array. A background writer moves pending rows into crm.feature_snapshot in batches,
-- one statement per batch that deletes them from here and inserts the snapshots, so a writer killed mid-batch
-- leaves the rows here for the next pass: nothing is lost and nothing is written twice.
CREATE TABLE IF NOT EXISTS crm.feature_snapshot_pending (
    id            bigserial PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES crm.tenant (id) ON DELETE CASCADE,
    match_run_id  uuid NOT NULL,
    snapshots     jsonb NOT NULL CHECK (jsonb_typeof(snapshots) = 'array'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, match_run_id) REFERENCES crm.match_run (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS feature_snapshot_pending_tenant_idx ON crm.feature_snapshot_pending (tenant_id, id);
ALTER TABLE crm.feature_snapshot_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.feature_snapshot_pending FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON crm.feature_snapshot_pending;
CREATE POLICY tenant_isolation ON crm.feature_snapshot_pending USING (tenant_id = app.current_tenant())
    WITH CHECK (tenant_id = app.current_tenant());
