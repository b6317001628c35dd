"""Turn ranker scores into success probabilities: isotonic or Platt, chosen on validation; JSON round trip."""

from ml.calibration.calibrators import Calibrator, fit_best_calibrator, fit_isotonic, fit_platt

__all__ = ["Calibrator", "fit_best_calibrator", "fit_isotonic", "fit_platt"]
