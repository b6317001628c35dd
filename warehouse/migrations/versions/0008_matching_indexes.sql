-- Matching: per-entity-type HNSW indexes. The global index mixes consultant and requirement vectors (and every
-- tenant's), so an ANN search for consultants spends its ef_search budget on rows the filters then drop; a partial
-- index per entity type keeps nearest-neighbour candidates dense. RLS still filters the tenant afterwards.
CREATE INDEX IF NOT EXISTS embedding_consultant_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'consultant';
CREATE INDEX IF NOT EXISTS embedding_requirement_hnsw_idx ON crm.embedding
    USING hnsw (vector vector_cosine_ops) WHERE entity_type = 'requirement';
-- Candidate generation by shared skills reads consultant_skill / requirement_skill by skill id.
CREATE INDEX IF NOT EXISTS consultant_skill_by_skill_idx ON crm.consultant_skill (skill_id, consultant_id);
CREATE INDEX IF NOT EXISTS requirement_skill_by_skill_idx ON crm.requirement_skill (skill_id, requirement_id);
CREATE INDEX IF NOT EXISTS submission_consultant_idx ON crm.submission (tenant_id, consultant_id);
-- Serving reads a requirement's client history.
CREATE INDEX IF NOT EXISTS requirement_client_idx ON crm.requirement (tenant_id, client_company_id);
