"""Tenants: created explicitly by the owner connection (`benchcrm tenant create`, the demo seed), looked up by slug.

Nothing creates a tenant as a side effect: minting a token for an unknown tenant is an error, and the API answers
401 to a token whose tenant does not exist.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from warehouse.db import set_tenant


class TenantExists(ValueError):
    pass


def tenant_active(conn: sa.Connection, tenant_id: uuid.UUID) -> bool:
    """Whether the tenant exists and is not disabled; on a connection scoped to that tenant (RLS shows a tenant only
    its own row)."""
    return conn.execute(sa.text("select 1 from crm.tenant where id = :t and disabled_at is null"),
                        {"t": tenant_id}).scalar() == 1


def set_disabled(conn: sa.Connection, slug: str, disabled: bool) -> uuid.UUID | None:
    """Disable (or enable again) the tenant `slug` (owner connection); its id, or None if there is no such tenant."""
    return conn.execute(sa.text(
        "update crm.tenant set disabled_at = case when :d then coalesce(disabled_at, now()) end where slug = :s "
        "returning id"), {"d": disabled, "s": slug}).scalar()


def create_tenant(conn: sa.Connection, *, slug: str, name: str | None = None) -> uuid.UUID:
    """Create the tenant `slug` (owner connection); TenantExists if the slug is taken."""
    existing = tenant_id_for(conn, slug)
    if existing is not None:
        raise TenantExists(f"tenant {slug!r} already exists ({existing})")
    return ensure_tenant(conn, slug=slug, name=name)


def ensure_tenant(conn: sa.Connection, *, slug: str, name: str | None = None,
                  tenant_id: uuid.UUID | None = None) -> uuid.UUID:
    """Return the tenant id for `slug`, creating the tenant if needed (owner connection; with `tenant_id` when the
    directory chose it, warehouse/placement.py)."""
    existing = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()
    if existing is not None:
        return existing
    tenant_id = tenant_id or uuid.uuid4()
    set_tenant(conn, tenant_id)  # FORCE RLS applies to a non-superuser owner too
    conn.execute(
        sa.text("insert into crm.tenant (id, slug, name) values (:id, :slug, :name)"),
        {"id": tenant_id, "slug": slug, "name": name or slug.title()},
    )
    return tenant_id


def tenant_id_for(conn: sa.Connection, slug: str) -> uuid.UUID | None:
    return conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()


def tenant_slugs(conn: sa.Connection) -> list[str]:
    """Every tenant's slug, sorted (owner connection): what the Dagster tenant partitions mirror."""
    return list(conn.execute(sa.text("select slug from crm.tenant order by slug")).scalars())
