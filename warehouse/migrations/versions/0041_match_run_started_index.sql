-- Issue 12, docs/adr/0040: the API's warm start names the busiest tenants by their share of the most recent
-- rankings. Reading the newest rows by this index costs the same however many years of rankings the table holds;
-- without it, every worker start aggregated the whole table.
CREATE INDEX IF NOT EXISTS match_run_started_idx ON crm.match_run (started_at DESC);
