"""The submission state machine: status moves only along valid transitions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from serving.context import Principal
from serving.errors import ProblemError

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"interviewing", "rejected", "withdrawn"}),
    "interviewing": frozenset({"offered", "rejected", "withdrawn"}),
    "offered": frozenset({"placed", "rejected", "withdrawn"}),
    "placed": frozenset(), "rejected": frozenset(), "withdrawn": frozenset(),
}
TERMINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def check_transition(current: str, target: str) -> None:
    if target == current:
        return
    allowed = TRANSITIONS.get(current, frozenset())
    if target not in allowed:
        raise ProblemError(409, "invalid-transition", "Conflict",
                           f"submission cannot move from {current} to {target}",
                           currentStatus=current, allowed=sorted(allowed))


def before_update(conn: Connection, principal: Principal, before: dict[str, Any], values: dict[str, Any]
                  ) -> dict[str, Any]:
    target = values.get("status")
    if target is None or target == before["status"]:
        values.pop("status", None)
        return values
    check_transition(before["status"], target)
    now = datetime.now(UTC)
    if target == "submitted" and before.get("submitted_at") is None:
        values["submitted_at"] = now
    if target in TERMINAL:
        values["closed_at"] = now
    return values
