-- Issue 13: the webhook dispatcher no longer holds a transaction open across HTTP calls. A dispatcher leases due
-- deliveries (lease_token, leased_until) in one short transaction, sends outside any transaction, then records the
-- outcome in another, only if it still holds the lease. A lease that expires (a crashed dispatcher) makes the row
-- due again, so several dispatcher processes are safe and a crash delays a delivery, never loses it.
ALTER TABLE crm.webhook_event ADD COLUMN IF NOT EXISTS lease_token uuid;
ALTER TABLE crm.webhook_event ADD COLUMN IF NOT EXISTS leased_until timestamptz;
