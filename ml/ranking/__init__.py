"""Ranking models: logistic baseline and LightGBM lambdarank, with factor contributions from `pred_contrib`."""
