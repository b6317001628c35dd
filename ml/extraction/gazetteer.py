"""Skill mentions found with an Aho-Corasick automaton over every taxonomy alias (one pass over the text).

Matches must sit on word boundaries; overlapping matches keep the longest ("spring boot" beats "spring"). Aliases
that are also ordinary English words ("go", "rest", "express", "glue", "DL" in "resume with DL, visa copy") only
count when they stand as an item of a list — between commas, slashes, brackets or at a bullet — which is how
vendors write skills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ml.taxonomy import load_taxonomy
from ml.taxonomy.catalog import alias_key

AMBIGUOUS = frozenset({
    "go", "r", "rest", "safe", "express", "node", "lambda", "glue", "lightning", "containers", "ts", "tf", "py",
    "dl", "ml", "spring", "hive", "swift", "torch", "rag", "github", "elk",
})
# Outside a list, these count when written in their technology casing mid-sentence and not followed by another
# capitalised word ("strong Node and React" yes; "Go ahead", "Express Scripts", "resume with DL" no).
TECH_CASING = {"go": "Go", "rest": "REST", "express": "Express", "node": "Node", "lambda": "Lambda", "glue": "Glue",
               "lightning": "Lightning", "spring": "Spring", "hive": "Hive", "swift": "Swift", "ml": "ML",
               "rag": "RAG", "safe": "SAFe", "torch": "Torch", "elk": "ELK", "containers": "Containers",
               "github": "GitHub"}
_LIST_BEFORE = set(",;:/(|•*-–[&+\n")
_LIST_AFTER = set(",;/)|.\n&]:+(")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class SkillHit:
    start: int
    end: int
    raw: str
    canonical: str


@lru_cache(maxsize=1)
def _automaton():
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for alias, canonical in load_taxonomy().alias_map.items():
        if alias:
            automaton.add_word(alias, (alias, canonical))
    automaton.make_automaton()
    return automaton


def _boundary_ok(text: str, start: int, end: int, alias: str) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if _WORD.match(alias[0]) and (_WORD.match(before) or before in ".#+"):
        return False
    # "c#"/"c++"/".net" end in symbols; a following word char would still make them part of a longer token.
    if _WORD.match(after) or (after in "#+" and alias[-1] not in "#+"):
        return False
    # "Node.js" vs "node": a dot followed by a letter continues the token.
    return not (after == "." and end + 1 < len(text) and text[end + 1].isalpha())


def _prev_nonspace(text: str, idx: int) -> str:
    i = idx - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return text[i] if i >= 0 else "\n"


def _next_nonspace(text: str, idx: int) -> str:
    i = idx
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[i] if i < len(text) else "\n"


def _list_item(text: str, start: int, end: int) -> bool:
    before, after = _prev_nonspace(text, start), _next_nonspace(text, end)
    if before in _LIST_BEFORE and after in _LIST_AFTER:
        return True
    # "... Spring and Hibernate" / "Go or Rust": a conjunction inside a list.
    tail = text[end:end + 6].lower()
    head = text[max(0, start - 5):start].lower()
    return (before in _LIST_BEFORE and re.match(r"\s+(and|or)\s", tail) is not None) or (
        re.search(r"\s(and|or)\s$", head) is not None and after in _LIST_AFTER
    )


def _tech_cased(text: str, start: int, end: int, alias: str) -> bool:
    if TECH_CASING.get(alias) != text[start:end]:
        return False
    if _prev_nonspace(text, start) in ".!?\n" or start == 0:
        return False
    if end < len(text) and text[end] == "-":  # "Go-Live"
        return False
    following = re.match(r"\s+([A-Za-z])", text[end:end + 3])
    return not (following and following.group(1).isupper())


def find_skills(text: str) -> list[SkillHit]:
    """Every non-overlapping skill mention in `text`, left to right."""
    if not text:
        return []
    lowered = text.lower()
    candidates: list[tuple[int, int, str, str]] = []
    for end_idx, (alias, canonical) in _automaton().iter(lowered):
        start = end_idx - len(alias) + 1
        end = end_idx + 1
        if not _boundary_ok(lowered, start, end, alias):
            continue
        if alias in AMBIGUOUS and not _list_item(text, start, end) and not _tech_cased(text, start, end, alias):
            continue
        candidates.append((start, end, alias, canonical))
    # Longest first, then leftmost; drop anything overlapping an accepted span.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    occupied = bytearray(len(text))  # O(length) overlap test; a list scan is quadratic on long skill dumps
    hits: list[SkillHit] = []
    for start, end, _alias, canonical in candidates:
        if any(occupied[start:end]):
            continue
        occupied[start:end] = b"\x01" * (end - start)
        hits.append(SkillHit(start=start, end=end, raw=text[start:end], canonical=canonical))
    hits.sort(key=lambda h: h.start)
    return hits


def alias_is_known(text: str) -> bool:
    return alias_key(text) in load_taxonomy().alias_map
