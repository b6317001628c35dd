"""Limits the data-quality checks enforce, light enough for check descriptions to import (no Great Expectations)."""

from ml.ingest.pipeline import PLAUSIBLE_HOURLY_USD

MAX_MISSING_TITLE_OR_SKILLS = 0.02  # share of extracted requirements without a title, or without a skill
MAX_SHARED_KEY_RATE = 0.05  # share of open requirements sharing a title+client key

__all__ = ["MAX_MISSING_TITLE_OR_SKILLS", "MAX_SHARED_KEY_RATE", "PLAUSIBLE_HOURLY_USD"]
