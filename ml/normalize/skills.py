"""Raw skill mentions -> canonical taxonomy names: exact alias, then version-stripped, then fuzzy (rapidfuzz)."""

from __future__ import annotations

import re
from functools import lru_cache

from ml.taxonomy import load_taxonomy
from ml.taxonomy.catalog import alias_key

FUZZY_THRESHOLD = 90.0  # WRatio; below this "Reac" and "React Native" blur together

# "Java 8/11/17", "Angular 14+", "Python 3.x", "Oracle 12c", ".NET 6.0", "Spring Boot 3", "v2", "(v16)"
_VERSION_TAIL = re.compile(r"(\s*(v?\d+(\.\d+|\.x)*[+x]?|\d+c)([/,&-]\s*v?\d+(\.\d+|\.x)*[+x]?)*\s*(and above|or above|\+)?)+$",
                           re.IGNORECASE)
_PARENS = re.compile(r"\s*\([^)]*\)\s*")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return load_taxonomy().alias_map


@lru_cache(maxsize=1)
def _choices() -> list[str]:
    return list(_aliases())


@lru_cache(maxsize=8192)
def normalize_skill(raw: str) -> str | None:
    """Canonical taxonomy name for a raw mention, or None when nothing is close enough."""
    if not raw or not raw.strip():
        return None
    aliases = _aliases()
    key = alias_key(raw)
    if key in aliases:
        return aliases[key]
    candidates = [key, alias_key(_PARENS.sub(" ", raw))]
    candidates.append(alias_key(_VERSION_TAIL.sub("", candidates[-1])))
    for cand in candidates[1:]:
        if cand and cand in aliases:
            return aliases[cand]
    cand = candidates[-1]
    if len(cand) < 4:  # fuzzy matching short tokens ("go", "r", "ts") invents skills
        return None
    from rapidfuzz import fuzz, process

    hit = process.extractOne(cand, _choices(), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
    return aliases[hit[0]] if hit else None
