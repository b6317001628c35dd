"""Structured extraction of requirements and resumes. The offline deterministic extractor is the default; the AI
gateway (`ml.ai.gateway`) can route to an LLM and falls back to it."""

from __future__ import annotations

from pydantic import BaseModel

from ml.extraction.classifier import classify_message
from ml.extraction.requirement import extract_requirement
from ml.extraction.resume import extract_resume
from ml.extraction.schemas import SCHEMA_VERSION, SCHEMAS, RequirementExtraction, ResumeExtraction


class UnknownSchema(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown schema {name!r}; expected one of {sorted(SCHEMAS)}")
        self.name = name


def extract(schema_name: str, text: str, *, subject: str | None = None) -> RequirementExtraction | ResumeExtraction:
    """Run the offline extractor for `schema_name` ("requirement" or "resume")."""
    if schema_name == "requirement":
        return extract_requirement(text, subject=subject)
    if schema_name == "resume":
        return extract_resume(text)
    raise UnknownSchema(schema_name)


def schema_model(schema_name: str) -> type[BaseModel]:
    try:
        return SCHEMAS[schema_name]
    except KeyError:
        raise UnknownSchema(schema_name) from None


__all__ = [
    "SCHEMAS", "SCHEMA_VERSION", "RequirementExtraction", "ResumeExtraction", "UnknownSchema", "classify_message",
    "extract", "extract_requirement", "extract_resume", "schema_model",
]
