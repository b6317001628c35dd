-- Issue 13: consultant and contact email/phone are encrypted by the application (AES-GCM, warehouse/sealed.py),
-- so equality lookups (dedupe by email, the data-subject lookup, a contact searched by address) use a keyed blind
-- index (HMAC-SHA256 under a separate key) stored beside each sealed column. Existing plaintext is sealed by
-- `warehouse.sealed.reseal`, which the migrator runs after the SQL files (the database has no pgcrypto and must
-- not see the keys).
ALTER TABLE crm.consultant ADD COLUMN IF NOT EXISTS email_bidx text, ADD COLUMN IF NOT EXISTS phone_bidx text;
ALTER TABLE crm.contact ADD COLUMN IF NOT EXISTS email_bidx text, ADD COLUMN IF NOT EXISTS phone_bidx text;
CREATE INDEX IF NOT EXISTS consultant_email_bidx_idx ON crm.consultant (tenant_id, email_bidx);
CREATE INDEX IF NOT EXISTS contact_email_bidx_idx ON crm.contact (tenant_id, email_bidx);
DROP INDEX IF EXISTS crm.consultant_email_idx;  -- lower(email) of a ciphertext finds nothing
