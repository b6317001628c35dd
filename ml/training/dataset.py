"""Labelled pairs from the submission history, with point-in-time features, and a time-based split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ml.features.entities import Consultants, Requirements, SkillGraph
from ml.features.history import HistoryIndex
from ml.features.labelled import LabelledSubmissions
from ml.features.pairs import compute_pair_features

MIN_OUTCOMES = 200
MIN_POSITIVES = 20
MIN_QUERIES = 20


class TooFewOutcomes(ValueError):
    """Training refused: not enough labelled history to learn from or to evaluate on."""


def check_enough(subs: LabelledSubmissions) -> None:
    n, pos = len(subs), int(np.sum(subs.label))
    queries = len(set(map(str, subs.requirement_id)))
    if n < MIN_OUTCOMES or pos < MIN_POSITIVES or queries < MIN_QUERIES:
        raise TooFewOutcomes(
            f"too few outcomes to train: {n} labelled submissions ({pos} advanced) over {queries} requirements; "
            f"need at least {MIN_OUTCOMES} submissions, {MIN_POSITIVES} advanced and {MIN_QUERIES} requirements"
        )


def build_training_frame(reqs: Requirements, cons: Consultants, subs: LabelledSubmissions,
                         graph: SkillGraph) -> pl.DataFrame:
    """One row per submission: features as of the submission day (history strictly before it) + label."""
    check_enough(subs)
    req_index = {str(r): i for i, r in enumerate(reqs.ids)}
    con_index = {str(c): i for i, c in enumerate(cons.ids)}
    keep = np.array([str(r) in req_index and str(c) in con_index
                     for r, c in zip(subs.requirement_id, subs.consultant_id, strict=True)], dtype=bool)
    if not keep.all():
        missing = int((~keep).sum())
        raise ValueError(f"{missing} submissions reference requirements or consultants that were not loaded")
    ri = np.array([req_index[str(r)] for r in subs.requirement_id], dtype=np.int64)
    ci = np.array([con_index[str(c)] for c in subs.consultant_id], dtype=np.int64)
    history = HistoryIndex(subs.events(reqs, req_index))
    frame = compute_pair_features(reqs, cons, ri, ci, np.asarray(subs.submitted_day, float), graph=graph,
                                  history=history)
    return frame.with_columns(
        pl.Series("label", np.asarray(subs.label, np.int32)),
        pl.Series("query", ri),
        pl.Series("received_day", np.asarray(subs.received_day, float)),
        pl.Series("submission_id", [str(s) for s in subs.submission_id]),
        pl.Series("requirement_id", [str(r) for r in subs.requirement_id]),
        pl.Series("consultant_id", [str(c) for c in subs.consultant_id]),
    )


@dataclass(frozen=True)
class Split:
    train: pl.DataFrame
    valid: pl.DataFrame
    test: pl.DataFrame
    valid_from_day: float
    test_from_day: float

    def describe(self) -> dict[str, float]:
        return {
            "train_rows": self.train.height, "valid_rows": self.valid.height, "test_rows": self.test.height,
            "train_positive_rate": float(self.train["label"].mean() or 0),
            "test_positive_rate": float(self.test["label"].mean() or 0),
            "valid_from_day": self.valid_from_day, "test_from_day": self.test_from_day,
        }


def time_split(frame: pl.DataFrame, valid_fraction: float = 0.2, test_fraction: float = 0.2) -> Split:
    """Train on the past, calibrate/early-stop on the next period, test on the future. Whole requirements move
    together (a query never straddles periods)."""
    days = np.sort(frame["received_day"].to_numpy())
    valid_from = float(np.quantile(days, 1 - valid_fraction - test_fraction))
    test_from = float(np.quantile(days, 1 - test_fraction))
    train = frame.filter(pl.col("received_day") < valid_from)
    valid = frame.filter((pl.col("received_day") >= valid_from) & (pl.col("received_day") < test_from))
    test = frame.filter(pl.col("received_day") >= test_from)
    for name, part in (("train", train), ("validation", valid), ("test", test)):
        if part.height == 0 or part["label"].sum() == 0:
            raise TooFewOutcomes(f"the {name} period has no advanced submissions; need more history")
    return Split(train, valid, test, valid_from, test_from)
