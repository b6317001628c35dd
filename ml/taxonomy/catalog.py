"""Load the versioned taxonomy and answer exact alias lookups. Fuzzy matching builds on `Taxonomy.alias_map`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

TAXONOMY_PATH = Path(__file__).with_name("skills.yaml")
_SPACES = re.compile(r"\s+")


def alias_key(text: str) -> str:
    """The form aliases are compared in: lower case, single spaces, no surrounding punctuation."""
    return _SPACES.sub(" ", text.strip().lower()).strip(" ,;:()[]")


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    parent: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    skills: dict[str, Skill]

    @cached_property
    def alias_map(self) -> dict[str, str]:
        """alias key -> canonical name (canonical names are their own alias)."""
        mapping: dict[str, str] = {}
        for skill in self.skills.values():
            mapping[alias_key(skill.name)] = skill.name
            for alias in skill.aliases:
                mapping.setdefault(alias_key(alias), skill.name)
        return mapping

    def canonical(self, text: str) -> str | None:
        return self.alias_map.get(alias_key(text))

    def ancestors(self, name: str) -> list[str]:
        out: list[str] = []
        current = self.skills.get(name)
        while current is not None and current.parent is not None and current.parent not in out:
            out.append(current.parent)
            current = self.skills.get(current.parent)
        return out


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    data = yaml.safe_load(path.read_text())
    skills: dict[str, Skill] = {}
    for row in data["skills"]:
        skills[row["name"]] = Skill(
            name=row["name"], category=row["category"], parent=row.get("parent"),
            aliases=tuple(row.get("aliases") or ()),
        )
    for skill in skills.values():
        if skill.parent is not None and skill.parent not in skills:
            raise ValueError(f"taxonomy: {skill.name} has unknown parent {skill.parent}")
    return Taxonomy(version=str(data["version"]), skills=skills)
