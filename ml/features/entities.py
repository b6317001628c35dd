"""Requirements and consultants as column arrays (the form vectorized features need), built from plain records.

Records are dicts as read from crm.requirement / crm.consultant (plus `skills`, `embedding`), or produced by the
extractor for offline scoring; every field may be None.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from itertools import compress
from typing import Any

import numpy as np

from ml.features.geo import tz_offsets

EPOCH = date(1970, 1, 1)
CREDIT_EXACT, CREDIT_CHILD, CREDIT_PARENT, CREDIT_SIBLING = 1.0, 0.8, 0.4, 0.2
WEIGHT_REQUIRED, WEIGHT_NICE = 2.0, 1.0


def to_day(value: Any) -> float:
    """Days since 1970-01-01 as float (NaN for None)."""
    if value is None:
        return float("nan")
    if isinstance(value, datetime):
        return value.timestamp() / 86400.0
    if isinstance(value, date):
        return float((value - EPOCH).days)
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"not a date: {value!r}")


def _f(value: Any) -> float:
    if type(value) is float:
        return value
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


@dataclass(frozen=True)
class SkillGraph:
    """Skill ids -> columns, plus the credit a consultant's skill earns against a required skill.

    The taxonomy has thousands of skills while one ranking touches a few dozen, so features work on a graph
    `restricted` to the skills the records name (plus their ancestors, which is all the credit rules need): the
    dense (S, S) credit and the (n, S) skill matrices stay small whatever the taxonomy's size."""

    ids: tuple[int, ...]
    names: tuple[str, ...]
    parents: tuple[int | None, ...]  # parent skill id per column (None: a root)

    @cached_property
    def index(self) -> dict[int, int]:
        return {sid: i for i, sid in enumerate(self.ids)}

    @cached_property
    def _name_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str, int | None]]) -> SkillGraph:
        """rows: (id, canonical_name, parent_id) as in crm.skill."""
        rows = sorted(rows)
        return cls(ids=tuple(int(r[0]) for r in rows), names=tuple(str(r[1]) for r in rows),
                   parents=tuple(None if r[2] is None else int(r[2]) for r in rows))

    @classmethod
    def from_taxonomy(cls, *, curated: bool = False) -> SkillGraph:
        """The packaged taxonomy with synthetic ids (offline scoring, before a database exists); `curated`: only the
        hand-curated IT-staffing layer (the skill universe of synthetic test worlds)."""
        return _taxonomy_graph(curated)

    def restricted(self, skill_ids: Iterable[int]) -> SkillGraph:
        """The sub-graph over `skill_ids` and their ancestors (unknown ids are ignored)."""
        index, keep = self.index, set()
        for sid in skill_ids:
            seen = 0
            while sid is not None and sid in index and sid not in keep and seen < len(self.ids):
                keep.add(sid)
                sid, seen = self.parents[index[sid]], seen + 1
        cols = sorted(index[sid] for sid in keep)
        return SkillGraph(ids=tuple(self.ids[c] for c in cols), names=tuple(self.names[c] for c in cols),
                          parents=tuple(self.parents[c] for c in cols))

    def for_records(self, *record_lists: Sequence[Mapping[str, Any]]) -> SkillGraph:
        """The sub-graph over every skill the records name (`skills` items: id or a tuple starting with the id)."""
        ids = {item[0] if type(item) is tuple or isinstance(item, tuple | list) else item
               for records in record_lists for r in records for item in (r.get("skills") or ())}
        return self.restricted(sid for sid in ids if sid is not None)

    @cached_property
    def credit(self) -> np.ndarray:
        """(S, S): credit[held, wanted]. Dense: build it on a `restricted` graph."""
        n = len(self.ids)
        if n > 4000:
            raise ValueError(f"credit matrix over {n} skills: restrict the graph to the skills in use first")
        idx = self.index
        parents = [idx.get(p, -1) if p is not None else -1 for p in self.parents]
        parent = np.array(parents, dtype=np.int64)
        # ancestor[i, j] = j is a (transitive) ancestor of i; the chains walked on plain ints, set at once
        below: list[int] = []
        above: list[int] = []
        for i in range(n):
            j, seen = parents[i], 0
            while j >= 0 and seen < n:
                below.append(i)
                above.append(j)
                j, seen = parents[j], seen + 1
        ancestor = np.zeros((n, n), dtype=bool)
        ancestor[below, above] = True
        credit = np.zeros((n, n), dtype=np.float32)
        # A held child implies the wanted parent (Spring Boot -> Java): strong partial credit.
        credit[ancestor] = CREDIT_CHILD
        # A held parent says something about a wanted child (Java for Spring Boot): weak partial credit.
        credit[ancestor.T] = np.maximum(credit[ancestor.T], CREDIT_PARENT)
        has_parent = parent >= 0
        sibling = (parent[:, None] == parent[None, :]) & has_parent[:, None] & has_parent[None, :]
        credit = np.maximum(credit, np.where(sibling, CREDIT_SIBLING, 0.0).astype(np.float32))
        np.fill_diagonal(credit, CREDIT_EXACT)
        return credit

    def names_of(self, skill_ids: Iterable[int]) -> list[str]:
        """Canonical names of the given ids, in order (unknown ids skipped)."""
        index = self.index
        return [self.names[index[sid]] for sid in skill_ids if sid in index]

    def id_for_name(self, name: str) -> int | None:
        col = self._name_index.get(name)
        return None if col is None else self.ids[col]


@lru_cache(maxsize=2)
def _taxonomy_graph(curated: bool) -> SkillGraph:
    from ml.taxonomy import load_curated_taxonomy, load_taxonomy

    tax = load_curated_taxonomy() if curated else load_taxonomy()
    names = sorted(tax.skills)
    ids = {name: i + 1 for i, name in enumerate(names)}
    return SkillGraph.from_rows((ids[n], n, ids.get(tax.skills[n].parent or "")) for n in names)


def _embeddings(records: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    dim = next((len(r["embedding"]) for r in records if r.get("embedding") is not None), 0)
    emb = np.zeros((len(records), dim), dtype=np.float32)
    has = np.zeros(len(records), dtype=bool)
    for i, r in enumerate(records):
        vec = r.get("embedding")
        if vec is None or len(vec) != dim:
            continue
        v = np.asarray(vec, dtype=np.float32)
        norm = float(np.linalg.norm(v))
        if np.isfinite(norm) and norm > 0:
            emb[i], has[i] = v / norm, True
    return emb, has


@dataclass(frozen=True)
class Requirements:
    ids: list[uuid.UUID]
    lat: np.ndarray
    lon: np.ndarray
    tz: np.ndarray
    is_remote: np.ndarray  # 1.0 remote, 0.0 onsite/hybrid, NaN unknown
    is_hybrid: np.ndarray
    budget: np.ndarray
    budget_best: np.ndarray  # the highest rate any vendor quoted (NaN: no quotes recorded)
    quote_from_prime: np.ndarray  # 1 a prime vendor / MSP quoted it, 0 only sub-vendors, NaN no quotes
    visa_accepted: list[frozenset[str] | None]
    min_years: np.ndarray
    start_day: np.ndarray
    client_key: list[str | None]
    skill_weights: np.ndarray  # (n, S): 2 required, 1 nice-to-have
    embeddings: np.ndarray
    has_embedding: np.ndarray
    titles: list[str | None]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Consultants:
    ids: list[uuid.UUID]
    lat: np.ndarray
    lon: np.ndarray
    tz: np.ndarray
    relocate: np.ndarray
    rate: np.ndarray
    visa: list[str | None]
    years: np.ndarray
    available_day: np.ndarray
    location_label: list[str | None]
    skills: np.ndarray  # (n, S) 0/1 held skills
    skill_depth: np.ndarray  # (n, S) share of the career spent with each held skill, 0..1; NaN unknown
    skill_primary: np.ndarray  # (n, S) 1 for the resume's primary (first-listed) skills
    skill_position: np.ndarray  # (n, S) place in the resume's skill list, 0 first .. 1 last; NaN unknown / not held
    embeddings: np.ndarray
    has_embedding: np.ndarray
    titles: list[tuple[str, ...]]  # the profile's title and the resume's job titles, most recent first

    def __len__(self) -> int:
        return len(self.ids)


def _skill_matrix(records: Sequence[Mapping[str, Any]], graph: SkillGraph) -> np.ndarray:
    """Requirement skills, items (skill_id, is_required) or skill_id: 2 required, 1 nice-to-have (required wins
    where a skill is listed both ways)."""
    index = graph.index
    nice: tuple[list[int], list[int]] = ([], [])
    required: tuple[list[int], list[int]] = ([], [])
    for i, r in enumerate(records):
        for item in r.get("skills") or ():
            sid, is_required = ((item[0], item[1]) if type(item) is tuple or isinstance(item, tuple | list)
                                else (item, True))
            col = index.get(sid) if sid is not None else None
            if col is not None:
                rows, cols = required if is_required else nice
                rows.append(i)
                cols.append(col)
    out = np.zeros((len(records), len(graph.ids)), dtype=np.float32)
    out[nice] = WEIGHT_NICE
    out[required] = WEIGHT_REQUIRED
    return out


def _skill_item(item: Any) -> tuple[Any, Any, Any, Any]:
    """A consultant skill item as (skill_id, years, is_primary, position), missing parts None."""
    if isinstance(item, tuple | list):
        sid, years, is_primary, position = (*item, None, None, None)[:4]
        return sid, years, is_primary, position
    return item, None, None, None


def _consultant_skill_arrays(records: Sequence[Mapping[str, Any]], graph: SkillGraph, career_years: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Consultant skills, items skill_id or (skill_id, years[, is_primary[, position]]), as (n, S) arrays:
    - held: 0/1;
    - depth: the years the resume claims with the skill as a share of the whole career (a skills matrix's
      "Java — 8 yrs" on a 10-year career says more than a keyword in a list); NaN where either side is missing, so a
      resume without per-skill years is "unknown", not "shallow"; the deepest claim where a skill is listed twice;
    - primary: 1 for the resume's primary (first-listed) skills;
    - position: relative place in the resume's list, (position + 0.5) / listed, so 0..1 whatever its length, where
      `listed` is one more than the last place of a skill the graph knows; the first place where a skill is listed
      twice; NaN unknown.

    A request ranks hundreds of candidates with a dozen skills each, so the items are read into flat columns in a
    few passes (comprehensions, `map`, `compress`) and the arrays filled by fancy indexing and `np.fmax.at` /
    `np.fmin.at`, which apply repeated cells in item order as a per-item loop would."""
    shape = (len(records), len(graph.ids))
    held, primary = np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
    depth, position = np.full(shape, np.nan, dtype=np.float32), np.full(shape, np.nan, dtype=np.float32)
    items: list[Any] = []
    counts: list[int] = []
    for r in records:
        before = len(items)
        items.extend(r.get("skills") or ())
        counts.append(len(items) - before)
    if not items:
        return held, depth, primary, position
    # The database's items are already (id, years, is_primary, position): only other shapes are padded.
    items = [item if type(item) is tuple and len(item) == 4 else _skill_item(item) for item in items]
    # Four comprehensions, not zip(*items): that makes an iterator per item (allocations the GC then chases).
    sids, claimed, flags, places = ([item[k] for item in items] for k in range(4))
    index = graph.index
    found = [index.get(sid) if sid is not None else None for sid in sids]
    known = [col is not None for col in found]
    rows = np.repeat(np.arange(len(records)), counts)
    if not all(known):  # skills outside the graph count for nothing, not even towards `listed`
        rows = rows[np.array(known, dtype=bool)]
        found, claimed, flags, places = (list(compress(column, known)) for column in (found, claimed, flags, places))
        if not found:
            return held, depth, primary, position
    cols = np.array(found, dtype=np.intp)
    held[rows, cols] = 1.0
    is_primary = np.array(list(map(bool, flags)), dtype=bool)
    primary[rows[is_primary], cols[is_primary]] = 1.0
    years = np.array([y if type(y) is float else _f(y) for y in claimed], dtype=np.float64)  # no call per float
    career = np.asarray(career_years, dtype=np.float64)[rows]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = years / career
        keep = np.isfinite(career) & (career > 0) & np.isfinite(share) & (share >= 0)
    claim = np.minimum(share[keep], 1.0).astype(np.float32)
    np.fmax.at(depth, (rows[keep], cols[keep]), claim)
    zero = claim == 0
    if zero.any():  # 0.0 and -0.0 tie: the first claimed keeps its sign, as a per-item np.fmax on scalars does
        cells = rows[keep][zero] * shape[1] + cols[keep][zero]
        cells, first = np.unique(cells, return_index=True)
        flat = depth.reshape(-1)
        flat[cells] = np.where(flat[cells] == 0, claim[zero][first], flat[cells])
    placed = [p is not None for p in places]
    if any(placed):
        at = np.flatnonzero(placed)
        place = np.array([float(int(p)) for p in compress(places, placed)], dtype=np.float64)
        top = np.full(len(records), np.nan)
        np.fmax.at(top, rows[at], place)
        listed = top[rows[at]] + 1.0
        if (listed == 0).any():
            raise ZeroDivisionError("skill positions end at -1: nothing is listed")
        np.fmin.at(position, (rows[at], cols[at]), ((place + 0.5) / listed).astype(np.float32))
    return held, depth, primary, position


def requirements_from_records(records: Sequence[Mapping[str, Any]], graph: SkillGraph) -> Requirements:
    lat = np.array([_f(r.get("lat")) for r in records], dtype=np.float64)
    lon = np.array([_f(r.get("lon")) for r in records], dtype=np.float64)
    mode = [(r.get("work_mode") or None) for r in records]
    emb, has = _embeddings(records)
    budget = np.array([_f(r.get("bill_rate_max")) for r in records])
    return Requirements(
        ids=[r.get("id") for r in records],
        lat=lat, lon=lon, tz=tz_offsets([r.get("timezone") for r in records], lon),
        is_remote=np.array([np.nan if m is None else float(m == "remote") for m in mode]),
        is_hybrid=np.array([float(m == "hybrid") for m in mode]),
        budget=budget,
        budget_best=np.fmax(budget, np.array([_f(r.get("rate_quoted_best")) for r in records])),
        quote_from_prime=np.array([np.nan if r.get("rate_quoted_best") is None else
                                   float(r.get("rate_quoted_prime") is not None) for r in records]),
        visa_accepted=[frozenset(r["visa_accepted"]) if r.get("visa_accepted") else None for r in records],
        min_years=np.array([_f(r.get("min_years")) for r in records]),
        start_day=np.array([to_day(r.get("start_date")) for r in records]),
        client_key=[str(r["client_company_id"]) if r.get("client_company_id") else None for r in records],
        skill_weights=_skill_matrix(records, graph),
        embeddings=emb, has_embedding=has,
        titles=[r.get("title") or None for r in records],
    )


def consultants_from_records(records: Sequence[Mapping[str, Any]], graph: SkillGraph) -> Consultants:
    lat = np.array([_f(r.get("lat")) for r in records], dtype=np.float64)
    lon = np.array([_f(r.get("lon")) for r in records], dtype=np.float64)
    emb, has = _embeddings(records)
    years = np.array([_f(r.get("years_experience")) for r in records])
    held, depth, primary, position = _consultant_skill_arrays(records, graph, years)
    labels = [_location_label(r.get("city"), r.get("state")) for r in records]
    return Consultants(
        ids=[r.get("id") for r in records],
        lat=lat, lon=lon, tz=tz_offsets([r.get("timezone") for r in records], lon),
        relocate=np.array([float(bool(r.get("willing_to_relocate"))) for r in records]),
        rate=np.array([_f(r.get("hourly_rate")) for r in records]),
        visa=[r.get("visa_status") for r in records],
        years=years,
        available_day=np.array([to_day(r.get("available_from")) for r in records]),
        location_label=labels,
        skills=held, skill_depth=depth, skill_primary=primary, skill_position=position,
        embeddings=emb, has_embedding=has,
        titles=[_titles(r) for r in records],
    )


def _location_label(city: Any, state: Any) -> str | None:
    """"City, ST", either alone, or None."""
    if city and state:
        return ", ".join((city, state))
    return ", ".join((city or state,)) if city or state else None


def _titles(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The consultant's `title` then the resume's `titles` (offline extraction), without repeats."""
    title, more = record.get("title"), record.get("titles")
    if not more:  # a database record: its title alone
        text = str(title).strip() if title else ""
        return (text,) if text else ()
    found = [title, *more]
    return tuple(dict.fromkeys(str(t).strip() for t in found if t and str(t).strip()))
