"""The submission history as labelled pairs: what both the matching loaders read and training learns from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from ml.features.entities import Requirements
from ml.features.history import OutcomeEvents


@dataclass(frozen=True)
class LabelledSubmissions:
    submission_id: list[uuid.UUID | str]
    requirement_id: list[uuid.UUID | str]
    consultant_id: list[uuid.UUID | str]
    submitted_day: np.ndarray
    received_day: np.ndarray  # the requirement's arrival: the split is by requirement, in time
    outcome_day: np.ndarray  # when the outcome became known (interview date, close date, or presumed dead)
    label: np.ndarray  # 1 advanced (interview or beyond), 0 not

    def __len__(self) -> int:
        return len(self.submission_id)

    def events(self, reqs: Requirements, req_index: dict[str, int]) -> OutcomeEvents:
        return OutcomeEvents(
            consultant_key=[str(c) for c in self.consultant_id],
            client_key=[reqs.client_key[req_index[str(r)]] if str(r) in req_index else None
                        for r in self.requirement_id],
            outcome_day=np.asarray(self.outcome_day, float), label=np.asarray(self.label, float),
        )
