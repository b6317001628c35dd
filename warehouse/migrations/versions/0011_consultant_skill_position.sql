-- Where a skill sits in the resume's skill list (0 = listed first). Resumes lead with their strongest skills, so the
-- position is evidence of depth that a flat set of skills loses; NULL when unknown (rows written before 0011).
ALTER TABLE crm.consultant_skill ADD COLUMN IF NOT EXISTS position smallint CHECK (position >= 0);
