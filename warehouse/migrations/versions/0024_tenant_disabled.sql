-- Issue 13: a tenant can be disabled (contract ended, security incident) without deleting its data. The API
-- answers 401 to tokens of a disabled tenant, as to tokens of a tenant that does not exist (serving/auth/tenants.py).
ALTER TABLE crm.tenant ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
