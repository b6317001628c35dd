{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- Pipeline events in one long table: requirement ingested, submitted, interviewed, offered, placed.
-- Incremental on the source rows' updated_at with a lookback, so late commits are re-read (delete+insert on
-- event_id makes the re-read idempotent). Soft deletes arrive as is_deleted = true; hard deletes need --full-refresh.
with requirements as (
    select * from {{ ref('stg_crm__requirements') }}
),

submissions as (
    select * from {{ ref('stg_crm__submissions') }}
),

events as (
    select
        md5('requirement_ingested:' || r.requirement_id::text) as event_id,
        r.tenant_id,
        'requirement_ingested' as event_type,
        r.received_at as occurred_at,
        (r.received_at at time zone 'UTC')::date as occurred_on,
        r.requirement_id,
        null::uuid as submission_id,
        null::uuid as consultant_id,
        r.recruiter_id,
        r.client_company_id,
        r.vendor_company_id,
        r.is_deleted,
        r.updated_at as source_updated_at
    from requirements as r

    union all

    select
        md5('submitted:' || s.submission_id::text),
        s.tenant_id,
        'submitted',
        s.submitted_at,
        (s.submitted_at at time zone 'UTC')::date,
        s.requirement_id,
        s.submission_id,
        s.consultant_id,
        s.recruiter_id,
        r.client_company_id,
        coalesce(s.vendor_company_id, r.vendor_company_id),
        s.is_deleted or r.is_deleted,
        greatest(s.updated_at, r.updated_at)
    from submissions as s
    inner join requirements as r on r.requirement_id = s.requirement_id
    where s.submitted_at is not null

    union all

    select
        md5('interviewed:' || i.interview_id::text),
        i.tenant_id,
        'interviewed',
        i.scheduled_at,
        (i.scheduled_at at time zone 'UTC')::date,
        s.requirement_id,
        s.submission_id,
        s.consultant_id,
        s.recruiter_id,
        r.client_company_id,
        coalesce(s.vendor_company_id, r.vendor_company_id),
        -- a cancelled interview did not happen: it leaves the counts like a deleted one
        i.is_deleted or s.is_deleted or i.interview_outcome = 'cancelled',
        greatest(i.updated_at, s.updated_at, r.updated_at)
    from {{ ref('stg_crm__interviews') }} as i
    inner join submissions as s on s.submission_id = i.submission_id
    inner join requirements as r on r.requirement_id = s.requirement_id

    union all

    select
        md5('offered:' || o.offer_id::text),
        o.tenant_id,
        'offered',
        o.offered_at,
        (o.offered_at at time zone 'UTC')::date,
        s.requirement_id,
        s.submission_id,
        s.consultant_id,
        s.recruiter_id,
        r.client_company_id,
        coalesce(s.vendor_company_id, r.vendor_company_id),
        o.is_deleted or s.is_deleted,
        greatest(o.updated_at, s.updated_at, r.updated_at)
    from {{ ref('stg_crm__offers') }} as o
    inner join submissions as s on s.submission_id = o.submission_id
    inner join requirements as r on r.requirement_id = s.requirement_id

    union all

    select
        md5('placed:' || p.placement_id::text),
        p.tenant_id,
        'placed',
        p.start_date::timestamp at time zone 'UTC',
        p.start_date,
        p.requirement_id,
        p.submission_id,
        p.consultant_id,
        s.recruiter_id,
        r.client_company_id,
        coalesce(s.vendor_company_id, r.vendor_company_id),
        p.is_deleted or s.is_deleted,
        greatest(p.updated_at, s.updated_at, r.updated_at)
    from {{ ref('stg_crm__placements') }} as p
    inner join submissions as s on s.submission_id = p.submission_id
    inner join requirements as r on r.requirement_id = p.requirement_id
)

select
    event_id::text as event_id,
    tenant_id,
    event_type::text as event_type,
    occurred_at,
    occurred_on,
    requirement_id,
    submission_id,
    consultant_id,
    recruiter_id,
    client_company_id,
    vendor_company_id,
    is_deleted,
    source_updated_at
from events
{% if is_incremental() %}
where source_updated_at >= (
    select coalesce(max(source_updated_at), '-infinity'::timestamptz) - interval '{{ var("incremental_lookback_hours", 72) }} hours'
    from {{ this }}
)
{% endif %}
