"""The model's feature list and which of the six explanation factors each feature belongs to."""

from __future__ import annotations

FEATURE_VERSION = "pair-features-v3"

# Numeric model inputs (NaN = unknown; LightGBM handles missing natively, the logistic baseline imputes).
FACTOR_OF_FEATURE: dict[str, str] = {
    "skill_coverage": "skills",
    "skill_required_coverage": "skills",
    "skill_jaccard": "skills",
    "skills_score": "skills",
    "n_required_skills": "skills",
    "n_missing_required": "skills",
    "skill_depth_required": "skills",
    "skill_depth_min_required": "skills",
    "skill_nice_coverage": "skills",
    "skill_primary_required": "skills",
    "skill_position_worst_required": "skills",
    "skill_position_mean_required": "skills",
    # Text fit (ml.features.text_fit): what every pair has, real resumes and postings included.
    "embedding_cosine": "role",
    "title_similarity": "role",
    "role_score": "role",
    "distance_mi": "location",
    "tz_diff_hours": "location",
    "is_remote": "location",
    "is_hybrid": "location",
    "consultant_relocates": "location",
    "location_score": "location",
    "rate_ratio": "rate",
    "rate_ratio_best_quote": "rate",
    "best_quote_from_prime": "rate",
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
    # Work authorization is a hard filter when serving; in the history it explains failures, so the model sees it.
    # It counts as availability: can this person take this job at all.
    "visa_match": "availability",
    "visa_fit": "availability",
}
MODEL_FEATURES: tuple[str, ...] = tuple(FACTOR_OF_FEATURE)
