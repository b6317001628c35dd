-- Issue 10: the released taxonomy (ml/taxonomy/taxonomy.json.gz) is ~10k skills built from the curated list, O*NET
-- and ESCO. Keep where each came from, O*NET's Hot Technology / In Demand flags, and whether the row is a category
-- node (a UNSPSC commodity/class or an ESCO skill group: a parent, never extracted from text).
ALTER TABLE crm.skill ADD COLUMN IF NOT EXISTS hot boolean NOT NULL DEFAULT false;
ALTER TABLE crm.skill ADD COLUMN IF NOT EXISTS in_demand boolean NOT NULL DEFAULT false;
ALTER TABLE crm.skill ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'curated';
ALTER TABLE crm.skill ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'skill' CHECK (kind IN ('skill', 'group'));
