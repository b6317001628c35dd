"""Text fit: how well the requirement's role reads against the resume, from what every pair has — the two texts'
embeddings and the job titles — so a pair with no structured fields is still ranked on its text.

Pure functions over plain values; `pairs.role_features` vectorizes them for training, serving and `score-pairs`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

# Cosine of two MiniLM document vectors: unrelated texts sit near 0.2, the same role near 0.8.
COSINE_FLOOR, COSINE_SPAN = 0.2, 0.6
# Blend of the two signals when both are known. The text cosine carries most: titles are short, often missing or
# written differently ("Software Engineer" vs "Java Developer").
COSINE_SHARE = 0.65

_TOKEN = re.compile(r"[a-z][a-z0-9+#.]*")
# Words that say how senior or how hired, not what the job is.
_NOISE = frozenset({
    "senior", "sr", "junior", "jr", "lead", "principal", "staff", "chief", "head", "entry", "mid", "level", "i", "ii",
    "iii", "iv", "v", "remote", "hybrid", "onsite", "contract", "contractor", "w2", "c2c", "c2h", "fte", "full",
    "time", "part", "temp", "temporary", "permanent", "the", "of", "and", "for", "a", "an", "to", "in", "at", "with",
    "experienced", "expert", "certified", "position", "role", "opening", "urgent", "needed", "job", "title", "new",
})
# Spellings of the same role noun.
_SYNONYMS = {
    "developer": "engineer", "programmer": "engineer", "dev": "engineer", "swe": "engineer", "eng": "engineer",
    "engineers": "engineer", "developers": "engineer", "analysts": "analyst", "mgr": "manager",
    "administrator": "admin", "administration": "admin", "sysadmin": "admin", "dba": "database admin",
    "qa": "quality", "tester": "quality", "sdet": "quality", "test": "quality", "testing": "quality",
    "accounting": "accountant", "bookkeeper": "accountant", "rn": "nurse", "ui": "frontend", "front": "frontend",
    "back": "backend", "fullstack": "full stack", "devops": "devops", "ml": "machine learning", "ai": "machine learning",
    "bi": "business intelligence", "sfdc": "salesforce", "dotnet": ".net", "js": "javascript",
}
# Role nouns shared by many unrelated jobs weigh less than what qualifies them ("software" in "Software Engineer").
_GENERIC = frozenset({"engineer", "analyst", "manager", "specialist", "consultant", "associate", "assistant", "admin",
                      "architect", "officer", "coordinator", "representative", "technician", "director", "team",
                      "professional", "executive", "supervisor", "member", "intern", "owner"})
GENERIC_WEIGHT = 0.5


@lru_cache(maxsize=65536)
def title_tokens(title: str) -> frozenset[str]:
    """The content words of a job title, synonyms folded ("Sr. Java Developer II" -> {java, engineer})."""
    out: set[str] = set()
    for raw in _TOKEN.findall(title.lower()):
        word = raw.rstrip(".")
        if not word or word in _NOISE:
            continue
        out.update(_SYNONYMS.get(word, word).split())
    return frozenset(out)


def _weight(token: str) -> float:
    return GENERIC_WEIGHT if token in _GENERIC else 1.0


def title_similarity(requirement_title: str | None, resume_titles: Iterable[str | None]) -> float:
    """Weighted Dice overlap of title words, best over the resume's titles; NaN when either side has none."""
    wanted = title_tokens(requirement_title) if requirement_title else frozenset()
    if not wanted:
        return math.nan
    best = math.nan
    for title in resume_titles:
        held = title_tokens(title) if title else frozenset()
        if not held:
            continue
        shared = sum(_weight(t) for t in wanted & held)
        total = sum(_weight(t) for t in wanted) + sum(_weight(t) for t in held)
        score = 2.0 * shared / total if total else 0.0
        best = score if math.isnan(best) else max(best, score)
    return best


def cosine_fit(cosine: np.ndarray) -> np.ndarray:
    """Text cosine mapped to 0..1 (NaN stays unknown)."""
    return np.clip((np.asarray(cosine, dtype=np.float64) - COSINE_FLOOR) / COSINE_SPAN, 0.0, 1.0)


def role_fit(cosine: np.ndarray, title_sim: np.ndarray) -> np.ndarray:
    """The role factor: the text cosine and the title overlap blended; either alone when the other is unknown;
    NaN only when both are."""
    cos = cosine_fit(cosine)
    title = np.asarray(title_sim, dtype=np.float64)
    both = np.isfinite(cos) & np.isfinite(title)
    blended = COSINE_SHARE * np.nan_to_num(cos) + (1 - COSINE_SHARE) * np.nan_to_num(title)
    return np.where(both, blended, np.where(np.isfinite(cos), cos, title))


@lru_cache(maxsize=65536)
def _title_similarity_of(requirement_title: str | None, resume_titles: tuple[str | None, ...]) -> float:
    return title_similarity(requirement_title, resume_titles)


def pair_title_similarity(requirement_titles: Sequence[str | None],
                          resume_titles: Sequence[Sequence[str | None]]) -> np.ndarray:
    # Remembered per (title, resume titles): a requirement is paired with every candidate, a consultant is proposed
    # for many requirements, and titles repeat ("Java Developer").
    return np.array([_title_similarity_of(r, c if type(c) is tuple else tuple(c))
                     for r, c in zip(requirement_titles, resume_titles, strict=True)], dtype=np.float64)
