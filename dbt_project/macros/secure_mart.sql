{#- Post-hook of every mart: tenant isolation by RLS and read access (schema usage is granted once in on-run-start).
    Runs inside the model's transaction, so a rebuilt table is never visible without its policies.
    Two readers, two policies (ADR 0018): the application role (the API) sees the tenant its transaction set in
    app.tenant_id, as on the crm tables; per-tenant BI logins (members of var bi_role) see the tenant their login
    is mapped to in app.bi_login, whatever they set. Each policy applies only to its role, so a BI login setting
    app.tenant_id gains nothing. FORCE makes the owner subject to them too; only BYPASSRLS roles (dbt's
    owner/superuser) see all tenants. -#}
{% macro secure_mart() -%}
    {%- set role = adapter.quote(var('app_role')) -%}
    {%- set bi_role = adapter.quote(var('bi_role')) -%}
    alter table {{ this }} enable row level security;
    alter table {{ this }} force row level security;
    drop policy if exists tenant_isolation on {{ this }};
    create policy tenant_isolation on {{ this }} to {{ role }} using (tenant_id = app.current_tenant());
    drop policy if exists bi_tenant on {{ this }};
    create policy bi_tenant on {{ this }} to {{ bi_role }} using (tenant_id = (select app.bi_tenant()));
    grant select on {{ this }} to {{ role }}, {{ bi_role }};
{%- endmacro %}
