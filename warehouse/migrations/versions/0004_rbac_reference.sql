-- Roles and their permissions (resource, action, scope). Serving declares the permission each endpoint needs.
INSERT INTO crm.role (name, description) VALUES
    ('Owner', 'Everything, including tenant settings and audit'),
    ('Admin', 'Everything but ownership transfer; reads the audit log'),
    ('Recruiter', 'Works the bench and the pipeline; asks for and decides recommendations'),
    ('Sales', 'Works clients, vendors and requirements'),
    ('Analyst', 'Reads everything, runs analytics'),
    ('ReadOnly', 'Reads CRM records')
ON CONFLICT (name) DO NOTHING;

WITH resources(resource) AS (VALUES
    ('consultants'), ('requirements'), ('companies'), ('contacts'), ('submissions'), ('interviews'),
    ('offers'), ('placements'), ('activities'), ('tags'), ('attachments'), ('recommendations'),
    ('audit'), ('analytics'), ('integrations'), ('webhooks'), ('ai'), ('quarantine')),
actions(action) AS (VALUES ('read'), ('create'), ('update'), ('delete'), ('decide'), ('import'))
INSERT INTO crm.permission (resource, action, scope)
SELECT resource, action, 'tenant' FROM resources, actions
ON CONFLICT DO NOTHING;

-- Owner and Admin: all. Recruiter: CRM + recommendations + AI + inbox import. Sales: CRM on demand side.
-- Analyst: read all but audit, plus analytics. ReadOnly: read CRM records.
INSERT INTO crm.role_permission (role_name, permission_id)
SELECT r.name, p.id FROM crm.role r JOIN crm.permission p ON
    r.name IN ('Owner', 'Admin')
    OR (r.name = 'Recruiter' AND p.resource NOT IN ('audit', 'webhooks') AND
        (p.action <> 'import' OR p.resource = 'integrations'))
    OR (r.name = 'Sales' AND p.resource IN ('requirements', 'companies', 'contacts', 'activities', 'tags',
        'submissions', 'interviews', 'offers', 'placements', 'attachments') AND p.action IN ('read', 'create', 'update'))
    OR (r.name = 'Sales' AND p.action = 'read' AND p.resource IN ('consultants', 'recommendations', 'analytics'))
    OR (r.name = 'Analyst' AND p.action = 'read' AND p.resource NOT IN ('audit', 'integrations', 'webhooks'))
    OR (r.name = 'ReadOnly' AND p.action = 'read' AND p.resource IN ('consultants', 'requirements', 'companies',
        'contacts', 'submissions', 'interviews', 'offers', 'placements', 'activities', 'tags', 'attachments'))
ON CONFLICT DO NOTHING;
