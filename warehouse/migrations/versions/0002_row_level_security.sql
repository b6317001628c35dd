-- Tenant isolation: ENABLE + FORCE RLS on every crm table with a tenant_id, one policy keyed on app.tenant_id.
-- The owner role bypasses nothing either (FORCE); only roles with BYPASSRLS (superusers) do.
DO $$
DECLARE t record;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'crm' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
    LOOP
        EXECUTE format('ALTER TABLE crm.%I ENABLE ROW LEVEL SECURITY', t.table_name);
        EXECUTE format('ALTER TABLE crm.%I FORCE ROW LEVEL SECURITY', t.table_name);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON crm.%I', t.table_name);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON crm.%I USING (tenant_id = app.current_tenant()) '
            'WITH CHECK (tenant_id = app.current_tenant())', t.table_name);
    END LOOP;
END $$;
