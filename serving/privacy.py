"""Field-level access: the one place API responses hide contact data from roles that only read.

Which fields are masked, and for whom, comes from the personal-data inventory (warehouse/pii.py); handlers pass
every public record of a resource through `for_principal` before answering.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.alias_generators import to_camel

from warehouse.pii import INVENTORY, MASKED_ROLES, PiiKind, is_masked, mask


@cache
def masked_fields(entity: str) -> tuple[tuple[str, PiiKind], ...]:
    """(API field name, kind) pairs masked for `entity` (the table crm.<entity>)."""
    return tuple((to_camel(c.column), c.kind) for c in INVENTORY if c.table == f"crm.{entity}" and is_masked(c))


def for_role(role: str, entity: str, public: dict[str, Any]) -> dict[str, Any]:
    if role not in MASKED_ROLES:
        return public
    fields = masked_fields(entity)
    if not fields:
        return public
    out = dict(public)
    for name, kind in fields:
        if isinstance(out.get(name), str):
            out[name] = mask(kind, out[name])
    return out
