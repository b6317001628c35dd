-- The candidate search's skill source (issue 12, ADR 0031) reads the anchor's skills' posting lists under RLS:
-- `tenant_id = <the caller's>` and `skill_id = any(...)`, grouped by owner. With (tenant_id, skill_id) only, every
-- posting was a heap visit (14,000 at 10k consultants for eight skills, a third of the source's time). Adding the
-- owner lets it be an index-only scan. The old two-column indexes are prefixes of the new ones.
CREATE INDEX IF NOT EXISTS consultant_skill_postings_idx ON crm.consultant_skill (tenant_id, skill_id, consultant_id);
DROP INDEX IF EXISTS crm.consultant_skill_skill_idx;
CREATE INDEX IF NOT EXISTS requirement_skill_postings_idx
    ON crm.requirement_skill (tenant_id, skill_id, requirement_id);
DROP INDEX IF EXISTS crm.requirement_skill_skill_idx;
