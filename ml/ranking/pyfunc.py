"""The registered model: ranker + calibrator as one MLflow pyfunc (input: the feature columns; output: raw score,
match_score, success_probability and the six factor contributions)."""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd
import polars as pl

from ml.scoring.formula import FACTORS


class RankerPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from pathlib import Path

        from ml.ranking.bundle import RankerBundle

        self.bundle = RankerBundle.load(Path(context.artifacts["bundle"]))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        frame = pl.from_pandas(model_input.astype("float64"))
        for name in self.bundle.features:  # absent columns are unknown inputs, not an error
            if name not in frame.columns:
                frame = frame.with_columns(pl.lit(np.nan).alias(name))
        pred = self.bundle.predict(frame)
        out = {"raw_score": pred.raw, "match_score": pred.match_score,
               "success_probability": pred.success_probability}
        out.update({f"contribution_{f}": pred.contributions[:, j] for j, f in enumerate(FACTORS)})
        return pd.DataFrame(out)
