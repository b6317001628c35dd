-- Ingestion: idempotent quarantine and a title+client dedupe key on requirements.
--
-- quarantine.content_hash makes "re-import the same bad input" a no-op instead of a second row (the unique index
-- is partial so rows written before this migration, or by writers that do not hash, stay valid).
ALTER TABLE crm.quarantine ADD COLUMN IF NOT EXISTS content_hash text;
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_content_hash_uidx
    ON crm.quarantine (tenant_id, entity_type, content_hash) WHERE content_hash IS NOT NULL;

-- requirement.dedupe_key = normalized title + client (see ml/ingest/dedupe.py); NULL when the client is unknown,
-- because a bare title ("Java Developer") is far too common to merge on.
ALTER TABLE crm.requirement ADD COLUMN IF NOT EXISTS dedupe_key text;
CREATE INDEX IF NOT EXISTS requirement_dedupe_key_idx
    ON crm.requirement (tenant_id, dedupe_key, received_at) WHERE dedupe_key IS NOT NULL;

-- The inbox is read by status (pending work) and by content hash (exact re-sends under a new Message-ID).
CREATE INDEX IF NOT EXISTS inbound_message_content_hash_idx ON crm.inbound_message (tenant_id, content_hash);
CREATE INDEX IF NOT EXISTS consultant_content_hash_idx ON crm.consultant (tenant_id, content_hash);
CREATE INDEX IF NOT EXISTS consultant_email_idx ON crm.consultant (tenant_id, lower(email));
