-- Recruiters import resumes (POST /v1/consultants/import-resume needs consultants:import); 0004 left it out.
INSERT INTO crm.role_permission (role_name, permission_id)
SELECT 'Recruiter', p.id FROM crm.permission p WHERE p.resource = 'consultants' AND p.action = 'import'
ON CONFLICT DO NOTHING;
