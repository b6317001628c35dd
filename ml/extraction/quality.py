"""Field-level precision / recall / F1 / exact match of extractions against gold labels (pure functions; used by
the tests and by benchmarks/extraction_quality.py).

Gold and predictions are flat label dicts (`labels_from_extraction`). A field is scored only for documents whose
gold dict has that key, so a corpus can label a subset of fields. Set fields (skills, visas, terms) count items;
scalar fields count one item: right = TP, wrong = FP + FN, spurious = FP, missing = FN. Exact match is the share of
documents whose value equals gold (both empty counts as equal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ml.extraction.schemas import RequirementExtraction

SET_FIELDS = ("skills", "skills_required", "visa_accepted", "rate_terms", "domains")
SCALAR_FIELDS = ("is_requirement", "title", "min_years", "seniority", "location", "city", "state", "work_mode",
                 "rate", "duration_months", "contract_type", "start_date", "client", "end_client", "external_id")
FIELDS = ("is_requirement", "title", "skills", "skills_required", "min_years", "seniority", "location", "city",
          "state", "work_mode", "visa_accepted", "rate", "rate_terms", "duration_months", "contract_type", "start_date",
          "client", "end_client", "external_id", "domains")


def labels_from_extraction(x: RequirementExtraction) -> dict[str, Any]:
    return {
        "is_requirement": x.is_requirement,
        "title": x.title,
        "skills": sorted({s.canonical for s in x.skills if s.canonical}),
        "skills_required": sorted({s.canonical for s in x.skills if s.canonical and s.required}),
        "min_years": x.min_years,
        "seniority": x.seniority,
        "location": {"city": x.location.city, "state": x.location.state, "work_mode": x.location.work_mode},
        "city": x.location.city,
        "state": x.location.state,
        "work_mode": x.location.work_mode,
        "visa_accepted": sorted(x.visa_accepted),
        "rate": x.rate.hourly_usd if x.rate else None,
        "rate_terms": sorted(x.employment_terms or (x.rate.terms if x.rate else [])),
        "start_date": x.start_date.isoformat() if x.start_date else None,
        "duration_months": x.duration_months,
        "contract_type": x.contract_type,
        "client": x.client,
        "end_client": x.end_client,
        "external_id": x.external_id,
        "domains": sorted(x.domains),
    }


def expand_gold(gold: dict[str, Any]) -> dict[str, Any]:
    """Derive the split location/rate fields from compound `location`/`rate` objects (so they are labelled once)."""
    out = dict(gold)
    loc = gold.get("location")
    if isinstance(loc, dict):
        for key in ("city", "state", "work_mode"):
            out.setdefault(key, loc.get(key))
        out["location"] = {k: loc.get(k) for k in ("city", "state", "work_mode")}
    if isinstance(gold.get("rate"), dict):
        out["rate"] = gold["rate"].get("hourly_usd")
        out.setdefault("rate_terms", gold["rate"].get("terms", []))
    return out


_TITLE_ABBR = {"sr": "senior", "jr": "junior", "mgr": "manager", "dev": "developer", "engr": "engineer",
               "admin": "administrator", "arch": "architect"}


def title_key(title: str) -> str:
    words = re.findall(r"[a-z0-9#+]+", title.lower().replace(".net", "dotnet"))
    return " ".join(_TITLE_ABBR.get(w, w) for w in words)


def _norm(field: str, value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if field == "title":
        return title_key(str(value))
    if field in ("client", "end_client", "external_id", "city"):
        return re.sub(r"[^a-z0-9]+", " ", str(value).lower()).strip()
    if field == "location":
        if not isinstance(value, dict) or not any(value.values()):
            return None
        return tuple(_norm("city", value.get("city")) if k == "city" else (value.get(k) or None)
                     for k in ("city", "state", "work_mode"))
    if field in ("rate", "min_years", "duration_months"):
        return round(float(value), 2)
    return value


def _equal(field: str, gold: Any, pred: Any) -> bool:
    if field == "rate" and gold is not None and pred is not None:
        return abs(gold - pred) <= max(0.01, 0.005 * gold)
    return gold == pred


@dataclass
class FieldScore:
    field: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    exact: int = 0
    n: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_match(self) -> float:
        return self.exact / self.n if self.n else 1.0


def score_pair(field: str, gold: Any, pred: Any) -> tuple[int, int, int, bool]:
    """(tp, fp, fn, exact) of one document's field."""
    if field in SET_FIELDS:
        g, p = set(gold or []), set(pred or [])
        return len(g & p), len(p - g), len(g - p), g == p
    g, p = _norm(field, gold), _norm(field, pred)
    if g is None and p is None:
        return 0, 0, 0, True
    if g is None:
        return 0, 1, 0, False
    if p is None:
        return 0, 0, 1, False
    if _equal(field, g, p):
        return 1, 0, 0, True
    return 0, 1, 1, False


def evaluate(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]],
             fields: Iterable[str] = FIELDS) -> dict[str, FieldScore]:
    """Aggregate per-field scores over (gold labels, predicted labels) pairs."""
    fields = tuple(fields)
    scores = {f: FieldScore(f) for f in fields}
    for gold_raw, pred_raw in pairs:
        gold, pred = expand_gold(gold_raw), expand_gold(pred_raw)
        for f in fields:
            if f not in gold:
                continue
            tp, fp, fn, exact = score_pair(f, gold[f], pred.get(f))
            s = scores[f]
            s.tp += tp
            s.fp += fp
            s.fn += fn
            s.exact += int(exact)
            s.n += 1
    return scores


def format_table(scores: dict[str, FieldScore]) -> str:
    lines = [f"{'field':<17} {'n':>4} {'precision':>9} {'recall':>7} {'f1':>6} {'exact':>6}"]
    for s in scores.values():
        if s.n:
            lines.append(f"{s.field:<17} {s.n:>4} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} "
                         f"{s.exact_match:>6.3f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- seed world gold
_GOLD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "role", "job_title"),
    "skills_required": ("required_skills", "skills_required", "must_have"),
    "min_years": ("min_years", "years", "experience_years"),
    "seniority": ("seniority",),
    "visa_accepted": ("visa_accepted", "visas"),
    "rate": ("rate_hourly_usd", "hourly_usd", "bill_rate_hourly", "bill_rate_max", "budget_hourly", "rate"),
    "rate_terms": ("employment_terms", "terms", "rate_terms"),
    "duration_months": ("duration_months",),
    "contract_type": ("contract_type",),
    "client": ("client", "client_name"),
    "end_client": ("end_client", "end_client_name"),
    "external_id": ("external_id", "req_id"),
    "start_date": ("start_date",),
    "city": ("city",),
    "state": ("state",),
    "work_mode": ("work_mode",),
}


def world_gold(truth: dict[str, Any]) -> dict[str, Any]:
    """Map a world.message_truth row (flat columns and/or a jsonb payload) onto the corpus gold format. Only
    fields the truth actually carries are scored."""
    flat: dict[str, Any] = {}
    for key, value in truth.items():
        if isinstance(value, dict) and key in ("truth", "labels", "gold", "fields", "expected", "extraction"):
            flat.update(value)
        else:
            flat.setdefault(key, value)
    gold: dict[str, Any] = {}
    kind = str(flat.get("kind") or flat.get("category") or flat.get("expect") or "").lower()
    is_req = flat.get("is_requirement")
    if is_req is None:
        is_req = kind in ("", "requirement", "req") if kind else True
    gold["expect"] = "requirement" if is_req else (
        "quarantine" if kind in ("garbage", "binary", "empty", "oversized", "quarantine") else "not_requirement")
    if not is_req:
        return gold
    gold["is_requirement"] = True
    for field, names in _GOLD_ALIASES.items():
        for name in names:
            if name in flat and flat[name] is not None:
                value = flat[name]
                if isinstance(value, dict) and field == "rate":
                    value = value.get("hourly_usd")
                gold[field] = float(value) if field in ("rate", "min_years", "duration_months") and value is not None \
                    else value
                break
    loc = flat.get("location")
    if isinstance(loc, dict):
        for k in ("city", "state", "work_mode"):
            gold.setdefault(k, loc.get(k))
    if "city" in gold or "work_mode" in gold:
        gold["location"] = {k: gold.get(k) for k in ("city", "state", "work_mode")}
    skills = flat.get("skills")
    if skills is None and ("required_skills" in flat or "nice_skills" in flat):
        skills = list(flat.get("required_skills") or []) + list(flat.get("nice_skills") or [])
    if skills is not None:
        gold["skills"] = sorted({s if isinstance(s, str) else s.get("canonical") or s.get("name") for s in skills})
        if "skills_required" not in gold and all(isinstance(s, dict) and "required" in s for s in skills):
            gold["skills_required"] = sorted({s.get("canonical") or s.get("name") for s in skills if s["required"]})
    if "skills_required" in gold:
        gold["skills_required"] = sorted({s if isinstance(s, str) else s.get("canonical") or s.get("name")
                                          for s in gold["skills_required"]})
    return gold
