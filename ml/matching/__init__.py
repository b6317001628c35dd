"""Matching at serving time: candidate generation, features, model or seed formula, stored recommendations."""
