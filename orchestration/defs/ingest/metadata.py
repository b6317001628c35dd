"""Helpers that turn pipeline results into Dagster materialization metadata (markdown tables, rates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg


def markdown_table(rows: Sequence[Mapping[str, Any]], *, limit: int = 10) -> dg.MetadataValue:
    if not rows:
        return dg.MetadataValue.md("_none_")
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows[:limit]:
        cells = [str(row.get(c, "")).replace("|", "\\|").replace("\n", " ")[:120] for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
