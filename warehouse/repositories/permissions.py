"""Role → permissions, from the reference tables of migration 0004 (no tenant_id, readable by the app role)."""

from __future__ import annotations

import sqlalchemy as sa


def role_permissions(conn: sa.Connection) -> dict[str, frozenset[tuple[str, str]]]:
    """{role: {(resource, action), ...}} for every role (tenant scope)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for role, resource, action in conn.execute(sa.text(
            "select r.name, p.resource, p.action from crm.role r "
            "left join crm.role_permission rp on rp.role_name = r.name "
            "left join crm.permission p on p.id = rp.permission_id")):
        perms = out.setdefault(role, set())
        if resource is not None:
            perms.add((resource, action))
    return {role: frozenset(perms) for role, perms in out.items()}
