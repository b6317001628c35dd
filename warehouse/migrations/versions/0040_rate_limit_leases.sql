-- Issue 12, docs/adr/0039: an API worker may take several tokens of a bucket in one call and spend them from memory
-- (a lease), so most requests under load skip the round trip of `app.rate_limit_take`. A bucket lends more than one
-- token only while it stays at least half full after lending, so a tenant near its limit is still limited exactly,
-- one token per request. Tokens lent and not spent are lost to the tenant (the limit can only be stricter, never
-- looser, than the bucket says).
ALTER TABLE ratelimit.bucket ADD COLUMN IF NOT EXISTS lent integer NOT NULL DEFAULT 0;

-- How many of `want` tokens a bucket holding `avail` lends: none below one token, one below half the burst, else up
-- to `want` as long as half the burst stays.
CREATE OR REPLACE FUNCTION ratelimit.lendable(avail double precision, want integer, burst double precision)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN avail < 1 THEN 0
                ELSE greatest(1, least(greatest(want, 1), floor(avail - burst / 2)))::integer END
$$;

-- Take up to `p_want` tokens from `p_key`'s bucket: `granted` tokens (0..p_want) and, when none, `wait`, the seconds
-- until one is available. The tenant's policy row (if any) overrides the caller's defaults, as in
-- `app.rate_limit_take`.
CREATE OR REPLACE FUNCTION app.rate_limit_lease(p_key text, p_tenant uuid, p_budget text, p_rate double precision,
                                                p_burst double precision, p_want integer,
                                                OUT granted integer, OUT wait double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, ratelimit
AS $$
DECLARE
    v_rate  double precision := p_rate;
    v_burst double precision := p_burst;
    v_now   timestamptz := clock_timestamp();
    v_tokens double precision;
BEGIN
    IF p_tenant IS NOT NULL THEN
        SELECT pol.rate_per_second, pol.burst INTO v_rate, v_burst
        FROM ratelimit.tenant_policy pol WHERE pol.tenant_id = p_tenant AND pol.budget = p_budget;
        IF NOT FOUND THEN
            v_rate := p_rate;
            v_burst := p_burst;
        END IF;
    END IF;
    INSERT INTO ratelimit.bucket AS b (bucket_key, tokens, refilled_at, granted, lent)
    VALUES (p_key, v_burst - ratelimit.lendable(v_burst, p_want, v_burst), v_now, true,
            ratelimit.lendable(v_burst, p_want, v_burst))
    ON CONFLICT (bucket_key) DO UPDATE SET
        tokens = ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst)
                 - ratelimit.lendable(ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst), p_want,
                                      v_burst),
        refilled_at = greatest(b.refilled_at, v_now),
        lent = ratelimit.lendable(ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst), p_want,
                                  v_burst),
        granted = ratelimit.refilled(b.tokens, b.refilled_at, v_now, v_rate, v_burst) >= 1
    RETURNING b.tokens, b.lent INTO v_tokens, granted;
    -- Forget idle buckets now and then (about one call in 2,000), so per-address keys do not pile up; a bucket idle
    -- for an hour is full again under any budget whose burst refills within the hour.
    IF random() < 0.0005 THEN
        DELETE FROM ratelimit.bucket WHERE refilled_at < v_now - interval '1 hour';
    END IF;
    wait := CASE WHEN granted > 0 THEN 0 ELSE greatest((1 - v_tokens) / v_rate, 0.001) END;
END
$$;

REVOKE ALL ON FUNCTION app.rate_limit_lease(text, uuid, text, double precision, double precision, integer) FROM PUBLIC;

-- One token, as before (replicas still on the previous code share the buckets during a rolling deploy): a lease of
-- one, so the bucket's arithmetic has one definition.
CREATE OR REPLACE FUNCTION app.rate_limit_take(p_key text, p_tenant uuid, p_budget text,
                                               p_rate double precision, p_burst double precision)
RETURNS double precision
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, app
AS $$
    SELECT l.wait FROM app.rate_limit_lease(p_key, p_tenant, p_budget, p_rate, p_burst, 1) l
$$;
