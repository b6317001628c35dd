"""Ranking models: logistic baseline and LightGBM (binary or lambdarank), with factor contributions from `pred_contrib`."""
