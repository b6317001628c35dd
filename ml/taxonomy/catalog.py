"""Load the versioned taxonomy and answer alias lookups. Fuzzy matching builds on `Taxonomy.alias_map`.

Two files: `skills.yaml` is the hand-curated IT-staffing layer (117 skills; its names, aliases and parents win), and
`taxonomy.json.gz` is the released taxonomy built from it plus O*NET and ESCO by `python -m ml.taxonomy.build`
(see NOTICE.md next to it). `load_taxonomy()` loads the built file; `load_curated_taxonomy()` only the curated layer
(the demo world draws its skills from that one so its figures do not move with the big taxonomy).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.json.gz")
CURATED_PATH = Path(__file__).with_name("skills.yaml")
_SPACES = re.compile(r"\s+")
# "ms excel", "microsoft excel", "ms-excel" -> "excel"
_MS_PREFIX = re.compile(r"^(microsoft|ms)[\s-]+(?=\S)")
# version tails: " 17", "5", " 2.x", " v3", " 8.0", "-8", " 12c", " 14+"; glued digits only after a stem of 3+ chars
# ("php5", "css3", "java8") so "s3", "ec2", "d3", "db2", "es6" keep their digits.
_VERSION_SPACED = re.compile(r"(?<=[a-z+#])[\s-]+v?\d+(\.\d+)*(\.x|x|c|\+)?$")
_VERSION_GLUED = re.compile(r"(?<=[a-z+#]{3})v?\d+(\.\d+)*(\.x|\+)?$")
_SEPARATORS = re.compile(r"[\s_-]+")
_JS_TAIL = re.compile(r"(?<=\w)\.?js$")


def alias_key(text: str) -> str:
    """The form aliases are compared in: lower case, single spaces, no surrounding punctuation."""
    return _SPACES.sub(" ", text.strip().lower()).strip(" ,;:()[]")


def variant_key(text: str) -> str:
    """A looser key under which spelling variants of one skill coincide: "JDK 17" ~ "jdk", "php5" ~ "php",
    "Node JS" ~ "NodeJS" ~ "node.js" ~ "node", "MS Excel" ~ "Microsoft Excel" ~ "excel", "Spring-Boot" ~ "springboot".
    Applied both to every alias when the lookup table is built and to the text looked up; an exact alias always
    wins over a variant match (so "MS SQL" stays SQL Server)."""
    key = alias_key(text)
    stripped = _MS_PREFIX.sub("", key)
    key = stripped if len(stripped) >= 2 else key
    for pattern in (_VERSION_SPACED, _VERSION_GLUED):
        shorter = pattern.sub("", key)
        if len(shorter) >= 2:
            key = shorter
    key = _SEPARATORS.sub("", key)
    shorter = _JS_TAIL.sub("", key)
    return shorter if len(shorter) >= 2 else key


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    parent: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    hot: bool = False          # O*NET "Hot Technology" (frequently in employer job postings)
    in_demand: bool = False    # O*NET "In Demand"
    source: str = "curated"    # curated | onet | esco | joined with "+" when merged
    kind: str = "skill"        # skill | group (a category node: UNSPSC commodity/class, ESCO skill group)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    skills: dict[str, Skill]
    # alias keys that name a skill only in context ("go", "excel", "access", "r"): see ml.taxonomy.gazetteer
    context_only: frozenset[str] = frozenset()
    # alias key -> spellings in technology casing ("go" -> {"Go"}, "excel" -> {"Excel"})
    cased: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # skills never extracted from free text (recruiting logistics: "share your LinkedIn")
    not_in_text: frozenset[str] = frozenset()

    @cached_property
    def alias_map(self) -> dict[str, str]:
        """alias key -> canonical name (canonical names are their own alias)."""
        mapping: dict[str, str] = {}
        for skill in self.skills.values():
            mapping[alias_key(skill.name)] = skill.name
        for skill in self.skills.values():
            for alias in skill.aliases:
                mapping.setdefault(alias_key(alias), skill.name)
        return mapping

    @cached_property
    def variant_map(self) -> dict[str, str]:
        """variant key -> canonical name, only for variant keys that point at a single skill."""
        owners: dict[str, set[str]] = {}
        for alias, canonical in self.alias_map.items():
            owners.setdefault(variant_key(alias), set()).add(canonical)
        mapping = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1 and k}
        # an exact alias always names its own skill, also as a variant key ("node" -> Node.js, not a "Node" product)
        for alias, canonical in self.alias_map.items():
            if alias == variant_key(alias):
                mapping[alias] = canonical
        return mapping

    def canonical(self, text: str) -> str | None:
        """Exact alias lookup (the world generator's spellings must resolve this way)."""
        return self.alias_map.get(alias_key(text))

    def resolve(self, text: str) -> str | None:
        """Exact alias, then the variant key ("JDK 17", "php5", "Node JS", "MS Excel")."""
        return self.alias_map.get(alias_key(text)) or self.variant_map.get(variant_key(text))

    def ancestors(self, name: str) -> list[str]:
        out: list[str] = []
        current = self.skills.get(name)
        while current is not None and current.parent is not None and current.parent not in out:
            out.append(current.parent)
            current = self.skills.get(current.parent)
        return out


def _check_parents(skills: dict[str, Skill]) -> None:
    for skill in skills.values():
        if skill.parent is not None and skill.parent not in skills:
            raise ValueError(f"taxonomy: {skill.name} has unknown parent {skill.parent}")


def _load_yaml(path: Path) -> Taxonomy:
    data = yaml.safe_load(path.read_text())
    skills: dict[str, Skill] = {}
    for row in data["skills"]:
        skills[row["name"]] = Skill(
            name=row["name"], category=row["category"], parent=row.get("parent"),
            aliases=tuple(row.get("aliases") or ()),
        )
    _check_parents(skills)
    return Taxonomy(version=str(data["version"]), skills=skills,
                    context_only=frozenset(alias_key(a) for a in data.get("context_only") or ()))


def _load_built(path: Path) -> Taxonomy:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    skills: dict[str, Skill] = {}
    for row in data["skills"]:
        skills[row["name"]] = Skill(
            name=row["name"], category=row["category"], parent=row.get("parent"),
            aliases=tuple(row.get("aliases") or ()), hot=bool(row.get("hot")), in_demand=bool(row.get("in_demand")),
            source=row.get("source", "curated"), kind=row.get("kind", "skill"),
        )
    _check_parents(skills)
    return Taxonomy(version=str(data["version"]), skills=skills, context_only=frozenset(data.get("context_only", ())),
                    cased={k: tuple(v) for k, v in data.get("cased", {}).items()},
                    not_in_text=frozenset(data.get("not_in_text", ())))


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    path = Path(path)
    return _load_yaml(path) if path.suffix in (".yaml", ".yml") else _load_built(path)


def load_curated_taxonomy() -> Taxonomy:
    """Only the hand-curated layer (skills.yaml)."""
    return load_taxonomy(CURATED_PATH)
