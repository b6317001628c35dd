"""The text each entity is embedded from, and its hash. One definition for the fast path and the assets, so an
entity embedded by the API is "already done" for the embed assets (same text -> same hash -> nothing to do)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# The embedder averages chunks of long texts (ml.ai.embeddings.CHUNK_WORDS), so the whole of a resume counts; the
# bound keeps a pasted blob from costing more than a few pages.
MAX_BODY_CHARS = 8000


def _clip(text: str | None, limit: int = MAX_BODY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text[:limit]


def requirement_text(*, title: str, skills: Sequence[str], city: str | None = None, state: str | None = None,
                     work_mode: str | None = None, description: str | None = None) -> str:
    where = ", ".join(p for p in (city, state) if p)
    parts = [title.strip()]
    if skills:
        parts.append("Skills: " + ", ".join(sorted(dict.fromkeys(skills))))
    if where or work_mode:
        parts.append("Location: " + " ".join(p for p in (where, f"({work_mode})" if work_mode else "") if p))
    if description:
        parts.append(_clip(description))
    return "\n".join(parts)


def consultant_text(*, title: str | None, skills: Sequence[str], summary: str | None = None,
                    resume_text: str | None = None, years: float | None = None) -> str:
    parts = [(title or "").strip() or "Consultant"]
    if years is not None:
        parts.append(f"{float(years):g} years of experience")
    if skills:
        parts.append("Skills: " + ", ".join(sorted(dict.fromkeys(skills))))
    body = summary or resume_text
    if body:
        parts.append(_clip(body))
    return "\n".join(parts)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
