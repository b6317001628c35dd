"""Is this requirement one we already have? Pure functions; the lookups they need come from the repository.

The same requirement reaches a bench-sales inbox from several vendors with small edits: a different greeting and
signature, a different rate, sometimes the end client hidden. Rules, strongest first:
1. `external_id`: the same requisition number ("Req# 24-10332");
2. `exact_hash`: the same normalized content (case, spacing, contact details and rates ignored);
3. `title_client`: the same normalized title for the same client, received within a window;
4. `embedding`: cosine similarity of the requirement embeddings at or above a threshold, within the window;
5. `title_embedding`: the same normalized title and, either the same state with a lower similarity threshold, or
   mostly the same skills (Jaccard >= 0.6) with a looser one.
Rules 4-5 are also vetoed when both copies name their client and the names differ.
Rules 2-5 are vetoed by a contradiction: two different states or cities.
Every merge is recorded on `requirement_source` with its rule and, for embeddings, the similarity.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MergeReason = Literal["external_id", "exact_hash", "title_client", "embedding", "title_embedding"]

EMBEDDING_THRESHOLD = 0.92
# Same normalized title and same state: vendors reformat the body (bullets, prose, forwarded headers) and hide or
# rename the client, so the embeddings of true copies can sit well below the plain threshold.
TITLE_EMBEDDING_THRESHOLD = 0.80
# ... or, with the same title, the same skills (Jaccard of canonical skills) and a looser similarity.
TITLE_SKILLS_JACCARD = 0.6
TITLE_SKILLS_MIN_SIMILARITY = 0.6
WINDOW = timedelta(days=30)

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9+#.]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_RATE = re.compile(r"\$\s*\d[\d,.]*\s*(k\b)?(\s*(/|per)\s*(hr|hour|h|yr|year|annum))?|\b\d+\s*(/|per)\s*(hr|hour)\b",
                   re.IGNORECASE)
_TITLE_WORDS = {"sr": "senior", "jr": "junior", "snr": "senior", "mgr": "manager", "dev": "developer",
                "engg": "engineer", "eng": "engineer", "admin": "administrator"}
_CLIENT_SUFFIXES = {"inc", "llc", "corp", "corporation", "co", "ltd", "limited", "plc", "group", "the", "na", "lp"}


def normalize_title(title: str) -> str:
    """'Sr. Java Developer (Remote)' -> 'senior java developer'."""
    text = re.sub(r"\([^)]*\)", " ", title.lower())
    words = [w.strip(".") for w in _NON_WORD.sub(" ", text).split()]
    return " ".join(_TITLE_WORDS.get(w, w) for w in words if w)


def normalize_client(name: str) -> str:
    """'The Acme Bank, N.A.' -> 'acme bank'."""
    words = _NON_WORD.sub(" ", name.lower().replace(".", "")).split()
    return " ".join(w for w in words if w not in _CLIENT_SUFFIXES)


def dedupe_key(title: str | None, client: str | None) -> str | None:
    """Normalized title + client, or None when either is unknown (a bare title is too common to merge on)."""
    if not title or not client:
        return None
    t, c = normalize_title(title), normalize_client(client)
    return f"{t}|{c}" if t and c else None


def normalized_content(text: str) -> str:
    """The body with what differs between vendors' copies removed: contact details, URLs, rates, case, spacing."""
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _RATE.sub(" ", text)
    text = _PHONE.sub(" ", text)
    return _WS.sub(" ", _NON_WORD.sub(" ", text.lower())).strip()


def normalized_content_hash(text: str) -> str:
    return hashlib.sha256(normalized_content(text).encode()).hexdigest()


def normalize_external_id(external_id: str | None) -> str | None:
    """'Req# 24-10332' and '24-10332' compare equal."""
    if not external_id:
        return None
    cleaned = re.sub(r"^(req(uirement)?|job|position)?\s*(id|no|number)?\s*[#:.]*\s*", "", external_id.strip(),
                     flags=re.IGNORECASE)
    return cleaned.upper() or None


@dataclass(frozen=True)
class Existing:
    """An existing requirement a lookup found, with what can veto merging into it."""

    requirement_id: uuid.UUID
    state: str | None
    external_id: str | None
    received_at: datetime
    city: str | None = None


@dataclass(frozen=True)
class Nearest(Existing):
    """A close existing requirement by embedding (from the repository's HNSW query)."""

    similarity: float = 0.0
    title: str | None = None
    skills: frozenset[str] = frozenset()
    client: str | None = None


@dataclass(frozen=True)
class DedupeMatch:
    requirement_id: uuid.UUID
    reason: MergeReason
    similarity: float | None = None


def compatible(*, state: str | None, external_id: str | None, other: Existing, city: str | None = None) -> bool:
    """Two different states or cities mean two requirements whatever else matches (a bank hiring data engineers in
    Dallas and in Austin has two openings). Different requisition numbers do NOT veto: sub-vendors relabel the
    prime's requisition with their own numbers, so only an equal number is evidence (rule 1)."""
    del external_id
    if state and other.state and state.upper() != other.state.upper():
        return False
    return not (city and other.city and city.strip().lower() != other.city.strip().lower())


def decide(
    *,
    received_at: datetime,
    state: str | None,
    external_id: str | None,
    by_external_id: uuid.UUID | None,
    city: str | None = None,
    by_content_hash: Sequence[Existing],
    by_dedupe_key: Sequence[Existing],
    nearest: Nearest | Sequence[Nearest] | None,
    title: str | None = None,
    skills: Iterable[str] = (),
    client: str | None = None,
    threshold: float = EMBEDDING_THRESHOLD,
    title_threshold: float = TITLE_EMBEDDING_THRESHOLD,
    window: timedelta = WINDOW,
) -> DedupeMatch | None:
    """Apply the rules in order to what the lookups found. `by_dedupe_key` lookups are already windowed."""
    if by_external_id is not None:
        return DedupeMatch(by_external_id, "external_id")
    for rule, found in (("exact_hash", by_content_hash), ("title_client", by_dedupe_key)):
        for other in found:
            if compatible(state=state, external_id=external_id, other=other, city=city):
                return DedupeMatch(other.requirement_id, rule)  # type: ignore[arg-type]
    mine = frozenset(skills)
    neighbours = [nearest] if isinstance(nearest, Nearest) else list(nearest or [])
    key = normalize_title(title) if title else None
    for near in sorted(neighbours, key=lambda n: -n.similarity):
        if abs(received_at - near.received_at) > window:
            continue
        if not compatible(state=state, external_id=external_id, other=near, city=city):
            continue
        if different_named_clients(client, near.client):
            continue  # the same role for two named clients: two openings, however alike the text
        if near.similarity >= threshold:
            return DedupeMatch(near.requirement_id, "embedding", round(float(near.similarity), 4))
        if key is None or near.title is None or normalize_title(near.title) != key:
            continue
        same_state = bool(state and near.state and state.upper() == near.state.upper())
        overlap = jaccard(mine, near.skills)
        if (same_state and near.similarity >= title_threshold) or (
                overlap >= TITLE_SKILLS_JACCARD and near.similarity >= TITLE_SKILLS_MIN_SIMILARITY):
            return DedupeMatch(near.requirement_id, "title_embedding", round(float(near.similarity), 4))
    return None


_HIDDEN_CLIENT = re.compile(r"\b(client|fortune|leading|top|major|large|our|direct|confidential|undisclosed|"
                            r"global|national|us|u\.s\.)\b|\d|^an? ", re.IGNORECASE)


def is_named_client(name: str | None) -> bool:
    """'Frontier Bank' names a client; 'a leading financial client' or 'Top-5 US bank' hides one."""
    return bool(name and name.strip() and not _HIDDEN_CLIENT.search(name.strip()))


def different_named_clients(a: str | None, b: str | None) -> bool:
    """Both copies name their client and the names differ: two openings, however alike the text."""
    return is_named_client(a) and is_named_client(b) and normalize_client(a or "") != normalize_client(b or "")


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa_, sb = {x.lower() for x in a}, {x.lower() for x in b}
    return len(sa_ & sb) / len(sa_ | sb) if sa_ and sb else 0.0
