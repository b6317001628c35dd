"""The extraction gold: what each seeded email states (world.message_truth), for scoring an extractor.

Owner connection only (the application role cannot read `world`). Key reference: `demo_world.emails.gold_of`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from warehouse.db import set_tenant


@dataclass(frozen=True)
class GoldEmail:
    message_id: uuid.UUID          # crm.inbound_message.id
    rfc822_message_id: str         # the Message-ID header
    raw: bytes                     # the RFC 822 message as stored in crm.inbound_message.raw
    requirement_id: uuid.UUID | None  # the true requirement it is a copy of (None: not a requirement)
    is_origin: bool                # the copy crm.requirement was created from
    gold: dict


def message_gold(conn: sa.Connection, *, tenant_id: uuid.UUID, requirements_only: bool = False) -> list[GoldEmail]:
    """Every seeded email of the tenant with its gold, in received order."""
    set_tenant(conn, tenant_id)
    rows = conn.execute(sa.text(
        "select m.id, m.message_id, m.raw, t.requirement_id, t.is_origin, t.gold "
        "from world.message_truth t join crm.inbound_message m on m.tenant_id = t.tenant_id and m.id = t.message_id "
        "where t.tenant_id = :t" + (" and t.requirement_id is not null" if requirements_only else "")
        + " order by m.received_at, m.id"), {"t": tenant_id}).all()
    return [GoldEmail(r[0], r[1], bytes(r[2]), r[3], bool(r[4]), r[5] if isinstance(r[5], dict) else json.loads(r[5]))
            for r in rows]
