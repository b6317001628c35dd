-- Each stage of the match funnel is a subset of the previous one.
select *
from {{ ref('kpi_match_funnel_by_model') }}
where pairs_approved > pairs_shown
   or pairs_submitted > pairs_approved
   or pairs_interviewed > pairs_submitted
   or pairs_placed > pairs_interviewed
