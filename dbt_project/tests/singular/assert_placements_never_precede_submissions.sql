-- A consultant starts a project only after being submitted to it: the placement start date is never before the
-- submission's send date (UTC). (A placement on a never-sent submission has no send date to compare and is not
-- judged here.)
select submission_id, submitted_on, placed_on
from {{ ref('fct_submissions') }}
where is_placed and placed_on < submitted_on
