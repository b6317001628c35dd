"""Structured extraction of requirements and resumes (schemas here; extractors and the AI gateway beside them)."""

from ml.extraction.schemas import SCHEMAS, RequirementExtraction, ResumeExtraction

__all__ = ["SCHEMAS", "RequirementExtraction", "ResumeExtraction"]
