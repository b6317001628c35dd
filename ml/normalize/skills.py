"""Raw skill mentions -> canonical taxonomy names: exact alias, then version-stripped, then the variant key ("JDK 17",
"php5", "Node JS", "MS Excel"), then the gazetteer on the string ("C#.NET" -> C#; `normalize_skills` gives both),
then fuzzy (rapidfuzz)."""

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
    taxonomy = load_taxonomy()
    for cand in candidates:
        hit = taxonomy.resolve(cand)
        if hit:
            return hit
    parts = normalize_skills(raw)
    if parts:
        return parts[0]
    cand = candidates[-1]
    if len(cand) < 4:  # fuzzy matching short tokens ("go", "r", "ts") invents skills
        return None
    from rapidfuzz import fuzz, process

    hit = process.extractOne(cand, _choices(), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
    return aliases[hit[0]] if hit else None


@lru_cache(maxsize=8192)
def _gazetteer_parts(raw: str) -> tuple[str, ...]:
    from ml.taxonomy.gazetteer import find_skills

    hits = find_skills(raw)
    covered = sum(h.end - h.start for h in hits)
    if not hits or covered < 0.6 * len(raw.replace(" ", "")):
        return ()
    return tuple(dict.fromkeys(h.canonical for h in hits))


def normalize_skills(raw: str) -> list[str]:
    """Every skill a compound mention names: "C#.NET" -> [C#, .NET], "Java/J2EE" -> [Java]; [] when the gazetteer
    finds nothing covering most of the string (then use `normalize_skill`)."""
    if not raw or not raw.strip():
        return []
    return list(_gazetteer_parts(raw.strip()))
