-- Reliability diagram in production: 10 equal-width bins of success_probability per ranker version, with the
-- realized placement rate, plus the version's Brier score. Bins are dense (0-9); an empty bin has NULL means.
with resolved as (
    select
        tenant_id,
        model_version,
        success_probability,
        realized_outcome,
        least(floor(success_probability * 10)::int, 9) as bin_index
    from {{ ref('int_recommendations__resolved') }}
    where realized_outcome is not null and success_probability is not null
),

versions as (
    select
        tenant_id,
        model_version,
        count(*) as model_predictions,
        avg(power(success_probability - realized_outcome, 2)) as brier_score
    from resolved
    group by tenant_id, model_version
),

bins as (
    select
        tenant_id,
        model_version,
        bin_index,
        count(*) as predictions,
        avg(success_probability) as mean_predicted_probability,
        avg(realized_outcome::numeric) as observed_success_rate
    from resolved
    group by tenant_id, model_version, bin_index
)

select
    v.tenant_id,
    v.model_version::text as model_version,
    g.bin_index::integer as bin_index,
    (g.bin_index / 10.0)::numeric as bin_lower,
    ((g.bin_index + 1) / 10.0)::numeric as bin_upper,
    coalesce(b.predictions, 0)::bigint as predictions,
    round(b.mean_predicted_probability::numeric, 4) as mean_predicted_probability,
    round(b.observed_success_rate, 4) as observed_success_rate,
    v.model_predictions::bigint as model_predictions,
    round(v.brier_score::numeric, 4) as model_brier_score
from versions as v
cross join generate_series(0, 9) as g (bin_index)
left join bins as b
    on b.tenant_id = v.tenant_id and b.model_version = v.model_version and b.bin_index = g.bin_index
