"""Human-readable reasons from a pair's feature snapshot, strongest factor first.

Reasons are generated from the same snapshot stored with every recommendation, so a reason shown today can be
reproduced later from `crm.feature_snapshot.features`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ml.scoring.formula import FACTORS, FactorResult


def _num(features: Mapping[str, object], key: str) -> float | None:
    value = features.get(key)
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _skills(f: Mapping[str, object]) -> str:
    coverage = _num(f, "skill_coverage")
    matched = [str(s) for s in (f.get("matched_skills") or [])][:5]
    names = f" ({', '.join(matched)})" if matched else ""
    if coverage is None:
        return "Skills unknown (no skills recognized on one side)"
    text = f"Skill overlap {coverage:.0%}{names}"
    missing = [str(s) for s in (f.get("missing_skills") or [])][:3]
    return text + (f"; missing {', '.join(missing)}" if missing else "")


def _role(f: Mapping[str, object]) -> str:
    cosine, title = _num(f, "embedding_cosine"), _num(f, "title_similarity")
    parts = []
    wanted, held = f.get("requirement_title"), f.get("consultant_title")
    if title is not None:
        parts.append(f"title match {title:.0%}" + (f" ({wanted} / {held})" if wanted and held else ""))
    if cosine is not None:
        parts.append(f"text similarity {cosine:.2f}")
    return ("Role fit: " + ", ".join(parts)) if parts else "Role fit unknown"


def _location(f: Mapping[str, object]) -> str:
    where = f.get("consultant_location") or "Location"
    if _num(f, "is_remote") == 1.0:
        tz = _num(f, "tz_diff_hours")
        if tz is None:
            return "Remote role; time zone unknown"
        return "Remote role, same time zone" if tz < 0.5 else f"Remote role, {tz:.0f}h time-zone difference"
    miles = _num(f, "distance_mi")
    if miles is None:
        return "Location unknown"
    return f"{where} — {miles:.0f} mi"


def _rate(f: Mapping[str, object]) -> str:
    rate, budget = _num(f, "consultant_rate"), _num(f, "budget_hourly")
    if rate is None or budget is None:
        return "Rate unknown" if rate is None else "Budget unknown"
    verdict = "within" if rate <= budget else "above"
    return f"Rate ${rate:.0f}/h {verdict} ${budget:.0f}/h budget"


def _seniority(f: Mapping[str, object]) -> str:
    years, need = _num(f, "consultant_years"), _num(f, "required_years")
    if years is None or need is None:
        return "Experience unknown"
    return f"{years:.0f} yrs experience vs {need:.0f}+ required"


def _history(f: Mapping[str, object]) -> str:
    rate, n = _num(f, "consultant_win_rate"), _num(f, "consultant_n_prior")
    client = _num(f, "client_win_rate")
    if (n or 0) <= 0 and client is None:
        return "No submission history"
    parts = []
    if rate is not None and (n or 0) > 0:
        parts.append(f"consultant interview rate {rate:.0%}")
    if client is not None:
        parts.append(f"client interview rate {client:.0%}")
    return "History: " + ", ".join(parts)


def _availability(f: Mapping[str, object]) -> str:
    # The availability factor also carries work authorization (ADR 0010): say which part the number is about.
    late = _num(f, "days_late")
    if late is None:
        text = "Availability unknown"
    else:
        text = "Available by the start date" if late <= 0 else f"Available {late:.0f} days after the start date"
    match, fit = _num(f, "visa_match"), _num(f, "visa_fit")
    if match == 1.0:
        text += "; work authorization accepted"
    elif match is None and fit is not None:
        text += f"; visa policy not stated (this visa is accepted by {fit:.0%} of stated policies)"
    return text


_RENDER = {
    "skills": _skills, "role": _role, "location": _location, "rate": _rate, "seniority": _seniority, "history": _history,
    "availability": _availability,
}


def reasons(features: Mapping[str, object], factors: Mapping[str, FactorResult] | None = None) -> list[str]:
    """One sentence per factor, ordered by contribution (unknown factors last), e.g.
    "Skill overlap 86% (Java, Spring Boot, Kafka)", "Rate $62/h within $70/h budget", "Dallas, TX — 12 mi"."""
    order = list(FACTORS)
    if factors is not None:
        order.sort(key=lambda name: (factors[name].status != "known", -factors[name].contribution))
    out = [_RENDER[name](features) for name in order]
    if _num(features, "visa_match") == 0.0:
        out.append("Work authorization not accepted")
    return out
