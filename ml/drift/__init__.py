"""Drift between the training period and recent data: PSI per feature and on predictions, Evidently HTML."""
