"""Per-tenant read-only logins for BI tools (ADR 0018): one Postgres role per tenant, member of `benchcrm_bi`,
mapped to its tenant in `app.bi_login`; the marts' `bi_tenant` policy reads that mapping by `current_user`.

Run on the owner connection. Issuing again rotates the password (the old one stops working at once).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from warehouse.credentials import generate_password

BI_GROUP = "benchcrm_bi"
_MAX_ROLE = 63  # NAMEDATALEN - 1


class BiLoginError(ValueError):
    """The login cannot be issued; the message is the one-line cause."""


@dataclass(frozen=True)
class BiLogin:
    role: str
    password: str
    tenant_id: uuid.UUID
    created: bool  # False: an existing login whose password was rotated


def bi_role_name(slug: str) -> str:
    """`bi_<slug>` with '-' as '_' (a plain identifier: no quoting needed in BI tools), at most 63 characters."""
    name = "bi_" + re.sub(r"[^a-z0-9_]", "_", slug.lower())
    return name[:_MAX_ROLE]


def issue_bi_login(conn: sa.Connection, *, tenant_slug: str) -> BiLogin:
    tenant_id = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": tenant_slug}).scalar()
    if tenant_id is None:
        raise BiLoginError(f"tenant {tenant_slug!r} does not exist (create it with `benchcrm tenant create`)")
    role = bi_role_name(tenant_slug)
    mapped = conn.execute(sa.text("select tenant_id from app.bi_login where role_name = :r"), {"r": role}).scalar()
    role_exists = conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar()
    if mapped is not None and mapped != tenant_id:
        raise BiLoginError(f"role {role} already belongs to another tenant ({mapped})")
    if role_exists and mapped is None:
        # never take over a role someone else created (it may carry other privileges)
        raise BiLoginError(f"a database role named {role} exists and is not a BenchCRM BI login; drop or rename it")
    password = generate_password()
    literal = password.replace("'", "''")  # token_urlsafe has no quote; kept for safety
    attributes = ("login nosuperuser nobypassrls nocreatedb nocreaterole noreplication inherit connection limit 10 "
                  f"password '{literal}'")
    if role_exists:
        conn.exec_driver_sql(f"alter role {role} {attributes}")
    else:
        conn.exec_driver_sql(f"create role {role} {attributes} in role {BI_GROUP}")
    conn.exec_driver_sql(f"alter role {role} set search_path = marts")
    conn.exec_driver_sql(f"alter role {role} set default_transaction_read_only = on")
    database = conn.execute(sa.text("select current_database()")).scalar()
    conn.exec_driver_sql(f'grant connect on database "{database}" to {role}')
    conn.execute(sa.text(
        "insert into app.bi_login (role_name, tenant_id) values (:r, :t) "
        "on conflict (role_name) do update set rotated_at = now()"), {"r": role, "t": tenant_id})
    return BiLogin(role=role, password=password, tenant_id=tenant_id, created=not role_exists)


def bi_connection_url(login: BiLogin, *, owner_url: str, tcp_port: int | None) -> str:
    """What to paste into a BI tool: loopback TCP for the embedded server (`benchcrm db start --tcp`), the external
    server's own host otherwise."""
    parsed = make_url(owner_url)
    if tcp_port is not None:
        host, port = "127.0.0.1", tcp_port
    else:
        host, port = parsed.host or "localhost", parsed.port or 5432
    return f"postgresql://{login.role}:{login.password}@{host}:{port}/{parsed.database or 'postgres'}"
