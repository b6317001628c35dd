"""The model's feature list and which of the six explanation factors each feature belongs to."""

from __future__ import annotations

FEATURE_VERSION = "pair-features-v1"

# Numeric model inputs (NaN = unknown; LightGBM handles missing natively, the logistic baseline imputes).
FACTOR_OF_FEATURE: dict[str, str] = {
    "skill_coverage": "skills",
    "skill_required_coverage": "skills",
    "skill_jaccard": "skills",
    "embedding_cosine": "skills",
    "skills_score": "skills",
    "n_required_skills": "skills",
    "n_missing_required": "skills",
    "distance_mi": "location",
    "tz_diff_hours": "location",
    "is_remote": "location",
    "location_score": "location",
    "rate_ratio": "rate",
    "rate_score": "rate",
    "years_gap": "seniority",
    "consultant_years": "seniority",
    "seniority_score": "seniority",
    "consultant_win_rate": "history",
    "consultant_n_prior": "history",
    "client_win_rate": "history",
    "client_n_prior": "history",
    "history_score": "history",
    "days_late": "availability",
    "availability_score": "availability",
}
MODEL_FEATURES: tuple[str, ...] = tuple(FACTOR_OF_FEATURE)
