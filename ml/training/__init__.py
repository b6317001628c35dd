"""Training set construction, time-based split, model fitting and the evaluation report."""
