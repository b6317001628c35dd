-- Match conversion per ranker version, counted on distinct (requirement, consultant) pairs so a pair recommended
-- by several runs counts once. Stages are cumulative (approved AND submitted AND ...), so each step rate <= 1.
with pairs as (
    select
        tenant_id,
        model_version,
        requirement_id,
        consultant_id,
        bool_or(is_approved) as is_approved,
        bool_or(is_submitted) as is_submitted,
        bool_or(is_interviewed) as is_interviewed,
        bool_or(is_placed) as is_placed
    from {{ ref('int_recommendations__resolved') }}
    group by tenant_id, model_version, requirement_id, consultant_id
),

funnel as (
    select
        tenant_id,
        model_version,
        count(*) as pairs_shown,
        count(*) filter (where is_approved) as pairs_approved,
        count(*) filter (where is_approved and is_submitted) as pairs_submitted,
        count(*) filter (where is_approved and is_submitted and is_interviewed) as pairs_interviewed,
        count(*) filter (where is_approved and is_submitted and is_interviewed and is_placed) as pairs_placed
    from pairs
    group by tenant_id, model_version
)

select
    tenant_id,
    model_version::text as model_version,
    pairs_shown::bigint as pairs_shown,
    pairs_approved::bigint as pairs_approved,
    pairs_submitted::bigint as pairs_submitted,
    pairs_interviewed::bigint as pairs_interviewed,
    pairs_placed::bigint as pairs_placed,
    round({{ safe_divide('pairs_approved', 'pairs_shown') }}, 4) as shown_to_approved_rate,
    round({{ safe_divide('pairs_submitted', 'pairs_approved') }}, 4) as approved_to_submitted_rate,
    round({{ safe_divide('pairs_interviewed', 'pairs_submitted') }}, 4) as submitted_to_interviewed_rate,
    round({{ safe_divide('pairs_placed', 'pairs_interviewed') }}, 4) as interviewed_to_placed_rate,
    round({{ safe_divide('pairs_placed', 'pairs_shown') }}, 4) as shown_to_placed_rate
from funnel
