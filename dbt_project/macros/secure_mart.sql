{#- Post-hook of every mart: tenant isolation by RLS (the same policy as crm tables) and read access for the
    application role (schema usage is granted once in on-run-start). Runs inside the model's transaction, so a rebuilt table is never visible without its policy.
    FORCE makes the owner subject to the policy too; only BYPASSRLS roles (dbt's owner/superuser) see all tenants. -#}
{% macro secure_mart() -%}
    {%- set role = var('app_role') -%}
    alter table {{ this }} enable row level security;
    alter table {{ this }} force row level security;
    drop policy if exists tenant_isolation on {{ this }};
    create policy tenant_isolation on {{ this }} using (tenant_id = app.current_tenant());
    grant select on {{ this }} to {{ adapter.quote(role) }};
{%- endmacro %}
