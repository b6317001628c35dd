"""What a suite validation found, in plain Python (no Great Expectations types): per expectation, and per the asset
check the expectation belongs to (its `meta["check"]`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLE = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    check: str
    expectation: str  # e.g. expect_column_values_to_be_between
    column: str  # the column, or "a>b" for a column pair
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float  # of the non-missing values the expectation looked at
    sample: tuple[str, ...]  # a few unexpected values

    @property
    def label(self) -> str:
        return f"{self.expectation}({self.column})"


@dataclass(frozen=True)
class CheckVerdict:
    check: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def success_percent(self) -> float:
        return 100.0 * sum(o.success for o in self.outcomes) / len(self.outcomes) if self.outcomes else 100.0

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success)

    def unexpected_counts(self) -> dict[str, int]:
        return {o.label: o.unexpected_count for o in self.outcomes}


@dataclass(frozen=True)
class SuiteValidation:
    suite: str
    rows: int
    outcomes: tuple[ExpectationOutcome, ...]
    data_docs_index: Path  # the tenant's Data Docs site
    validation_page: str | None  # file:// URL of this validation's page in it

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def success_percent(self) -> float:
        return CheckVerdict(self.suite, self.outcomes).success_percent

    def checks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.check for o in self.outcomes))

    def verdict(self, check: str) -> CheckVerdict:
        outcomes = tuple(o for o in self.outcomes if o.check == check)
        if not outcomes:
            raise KeyError(f"suite {self.suite!r} has no expectation for check {check!r}")
        return CheckVerdict(check, outcomes)
