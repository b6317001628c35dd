"""Skill mentions found with an Aho-Corasick automaton over every taxonomy alias (one pass over the text).

Matches must sit on word boundaries; overlapping matches keep the longest ("spring boot" beats "spring"). A version
glued to an alias is part of the mention ("php5", "HTML5", "CSS3"), "js" spellings of a ".js" alias are found
("Node JS", "NodeJS"), "MS Excel" is found as "Microsoft Excel", and "C#.NET" yields both C# and .NET.

Context-only aliases (`Taxonomy.context_only`: ordinary English words such as "go", "excel", "access", "shell",
single letters such as "R" and "C") only count when they stand as an item of a list (between commas, slashes,
brackets or at a bullet, which is how vendors write skills), or when written in their technology casing mid-sentence
and not followed by a capitalised word or a preposition ("strong Node and React" yes; "Go ahead", "Express Scripts",
"Excel at", "Access to", "Oracle Corporation" no), or, for a sentence-initial one, next to another technology. A
single letter ("C", "R") also needs another technology nearby ("C and C++", "R and Python"; not "Grade C", "R&D").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ml.taxonomy import load_taxonomy
from ml.taxonomy.catalog import alias_key

# The old hand list (kept: tests and callers import it); the taxonomy adds its own context-only aliases.
_HAND_AMBIGUOUS = frozenset({
    "go", "r", "rest", "safe", "express", "node", "lambda", "glue", "lightning", "containers", "ts", "tf", "py",
    "dl", "ml", "spring", "hive", "swift", "torch", "rag", "github", "elk",
})
# Outside a list, these count when written in their technology casing mid-sentence and not followed by another
# capitalised word ("strong Node and React" yes; "Go ahead", "Express Scripts", "resume with DL" no). Hand-written
# for the curated aliases; the taxonomy supplies the casing of the others ("Excel", "Access", "R").
TECH_CASING = {"go": "Go", "rest": "REST", "express": "Express", "node": "Node", "lambda": "Lambda", "glue": "Glue",
               "lightning": "Lightning", "spring": "Spring", "hive": "Hive", "swift": "Swift", "ml": "ML",
               "rag": "RAG", "safe": "SAFe", "torch": "Torch", "elk": "ELK", "containers": "Containers",
               "github": "GitHub"}
_LIST_ONLY = frozenset({"dl", "py", "ts", "tf"})  # never in prose: "resume with DL", "TS clearance"
_LIST_BEFORE = set(",;:/(|•*-–[&+\n")
_LIST_AFTER = set(",;/)|.\n&]:+(")
_WORD = re.compile(r"\w")
_GLUED_VERSION = re.compile(r"v?\d+(?:\.\d+)*(?:\.x|\+)?")
# "Excel at", "Access to", "Go ahead", "Shell company": what follows a context word used as English
_ENGLISH_AFTER = re.compile(r"\s+(at|to|in|on|of|for|ahead|through|over|back|beyond|the|a|an|your|our|their|company|"
                            r"oil|corporation|corp|inc|break|time|level|grade|interview|call|meeting|link|invite|id)\b", re.IGNORECASE)
_NEARBY = 80  # characters either side searched for another technology
# "Grade: C", "Part B", "Type: R": a single letter labelled like this is not a language
_LETTER_LABEL = re.compile(r"\b(grade|part|plan|class|type|level|tier|section|phase|schedule|form|vitamin|"
                           r"category|option|rating|size|zone|unit|block|building|suite|apt)\W*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def ambiguous_aliases() -> frozenset[str]:
    """Aliases that are skills only in context: the hand list plus the taxonomy's context-only words (loaded on
    first use, not at import)."""
    return _HAND_AMBIGUOUS | load_taxonomy().context_only


@dataclass(frozen=True)
class SkillHit:
    start: int
    end: int
    raw: str
    canonical: str


def _surface_variants(alias: str) -> list[str]:
    """Spellings of an alias that the text may use but the taxonomy does not list: "node.js" -> "nodejs", "node js";
    "microsoft excel" -> "ms excel", "ms-excel"."""
    out = []
    m = re.match(r"^(.{2,}?)[ .-]?js$", alias)
    if m and not m.group(1).endswith((" ", ".", "-")):
        out += [m.group(1) + "js", m.group(1) + ".js", m.group(1) + " js"]
    if alias.startswith("microsoft ") and len(alias) > 12:
        out += ["ms " + alias[10:], "ms-" + alias[10:]]
    return [v for v in out if v != alias]


@lru_cache(maxsize=1)
def _automaton():
    import ahocorasick

    taxonomy = load_taxonomy()
    automaton = ahocorasick.Automaton()
    groups = {name for name, s in taxonomy.skills.items() if s.kind == "group"} | taxonomy.not_in_text
    aliases = {alias: canonical for alias, canonical in taxonomy.alias_map.items()
               if alias and canonical not in groups}
    for alias, canonical in aliases.items():
        automaton.add_word(alias, (alias, canonical, len(alias)))
    for alias, canonical in sorted(aliases.items()):
        for variant in _surface_variants(alias):
            if variant not in aliases and not automaton.exists(variant):
                automaton.add_word(variant, (alias, canonical, len(variant)))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def _casing() -> dict[str, frozenset[str]]:
    taxonomy = load_taxonomy()
    cased = {k: frozenset(v) for k, v in taxonomy.cased.items()}
    cased.update({k: frozenset({v}) for k, v in TECH_CASING.items()})
    return cased


def _extend_version(text: str, end: int, alias: str) -> int:
    """End of the mention including a glued version ("php5", "HTML5", "Java8", "Angular2+"); `end` if none."""
    glued = (end < len(text) and text[end].isdigit()) or (text[end:end + 1] == "v" and text[end + 1:end + 2].isdigit())
    if glued and len(alias) >= 3 and alias[-1].isalpha():
        m = _GLUED_VERSION.match(text, end)
        if m and (m.end() >= len(text) or not _WORD.match(text[m.end()])):
            return m.end()
    return end


def _boundary_ok(text: str, start: int, end: int, alias: str) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if _WORD.match(alias[0]) and (_WORD.match(before) or before in ".#+"):
        return False
    # "c#"/"c++"/".net" end in symbols; a following word char would still make them part of a longer token.
    if _WORD.match(after) or (after in "#+" and alias[-1] not in "#+"):
        return False
    # "Node.js" vs "node": a dot followed by a letter continues the token ("C#.NET" is two skills: # ends C#).
    return not (after == "." and end + 1 < len(text) and text[end + 1].isalpha() and alias[-1].isalnum())


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
    if after == "&" and end + 1 < len(text) and text[end + 1].isalpha():  # "R&D", "AT&T", "P&L"
        return False
    if before in _LIST_BEFORE and after in _LIST_AFTER:
        return True
    # "... Spring and Hibernate" / "Go or Rust": a conjunction inside a list.
    tail = text[end:end + 6].lower()
    head = text[max(0, start - 5):start].lower()
    return (before in _LIST_BEFORE and re.match(r"\s+(and|or)\s", tail) is not None) or (
        re.search(r"\s(and|or)\s$", head) is not None and after in _LIST_AFTER
    )


def _tech_cased(text: str, start: int, end: int, alias: str) -> bool:
    forms = _casing().get(alias)
    return forms is not None and text[start:end] in forms


def _sentence_initial(text: str, start: int) -> bool:
    return start == 0 or _prev_nonspace(text, start) in ".!?\n"


def _prose_ok(text: str, start: int, end: int) -> bool:
    """A tech-cased context word used as a technology in running text, not as English or a company name."""
    if end < len(text) and text[end] in "-&'’":  # "Go-Live", "R&D", "Oracle's"
        return False
    if _ENGLISH_AFTER.match(text, end):
        return False
    following = re.match(r"\s+([A-Za-z]+)", text[end:end + 40])
    # "Oracle Corporation", "Express Scripts" no; "Oracle DBA", "Go APIs" (an acronym follows) yes
    return not (following and following.group(1)[0].isupper() and not following.group(1).isupper())


def find_skills(text: str) -> list[SkillHit]:
    """Every non-overlapping skill mention in `text`, left to right."""
    if not text:
        return []
    lowered = text.lower()
    ambiguous = ambiguous_aliases()
    sure: list[tuple[int, int, str, str]] = []
    maybe: list[tuple[int, int, str, str]] = []
    for end_idx, (alias, canonical, length) in _automaton().iter(lowered):
        end = end_idx + 1
        start = end - length
        end = _extend_version(lowered, end, alias)
        if not _boundary_ok(lowered, start, end, alias):
            continue
        (maybe if alias in ambiguous else sure).append((start, end, alias, canonical))
    if maybe:
        anchors = [c[0] for c in sure]
        for start, end, alias, canonical in maybe:
            near = any(abs(a - start) <= _NEARBY and not (start <= a < end) for a in anchors)
            if _list_item(text, start, end) and (len(alias) > 1 or near or not _LETTER_LABEL.search(
                    text, max(0, start - 14), start)):
                sure.append((start, end, alias, canonical))
                continue
            if alias in _LIST_ONLY or not _tech_cased(text, start, end, alias) or not _prose_ok(text, start, end):
                continue
            if len(alias) == 1 or _sentence_initial(text, start):
                if near:
                    sure.append((start, end, alias, canonical))
            else:
                sure.append((start, end, alias, canonical))
    candidates = sure
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
