"""Run the parse -> classify -> extract chain over a folder of .eml files with gold sidecars (<name>.json), the
way the ingestion pipeline does, and pair each outcome with its gold labels for `quality.evaluate`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.extraction.quality import labels_from_extraction
from ml.extraction.requirement import extract_requirement
from ml.ingest.mime import UnparseableMessage, parse_message


@dataclass
class Outcome:
    name: str
    gold: dict[str, Any]
    kind: str  # requirement | not_requirement | quarantine
    reason: str | None
    labels: dict[str, Any]


def process_raw(raw: bytes) -> tuple[str, str | None, dict[str, Any]]:
    """(kind, reason, predicted labels) for one raw email."""
    try:
        message = parse_message(raw)
    except UnparseableMessage as exc:
        return "quarantine", exc.reason, {}
    extraction = extract_requirement(message.text, subject=message.subject)
    labels = labels_from_extraction(extraction)
    if not extraction.is_requirement:
        return "not_requirement", extraction.not_requirement_reason, labels
    return "requirement", None, labels


def run_corpus(folder: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for eml in sorted(folder.glob("*.eml")):
        gold_path = eml.with_suffix(".json")
        gold = json.loads(gold_path.read_text()) if gold_path.exists() else {}
        kind, reason, labels = process_raw(eml.read_bytes())
        outcomes.append(Outcome(eml.stem, gold, kind, reason, labels))
    return outcomes


def requirement_pairs(outcomes: list[Outcome]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Gold/prediction pairs of the documents whose gold says they are requirements (a quarantined requirement
    scores as all fields missing)."""
    return [({k: v for k, v in o.gold.items() if k not in ("expect", "reason")}, o.labels)
            for o in outcomes if o.gold.get("expect") == "requirement"]
