"""Evaluation plots as PNG files (matplotlib Agg): reliability diagram, PR curve, feature importance, win rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def reliability_diagram(labels: np.ndarray, probabilities: dict[str, np.ndarray], path: Path) -> Path:
    from ml.evaluation.metrics import reliability_curve

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect")
    for name, p in probabilities.items():
        x, y, _ = reliability_curve(labels, p)
        ax.plot(x, y, marker="o", label=name)
    ax.set(xlabel="predicted probability", ylabel="observed advance rate", title="Reliability (test period)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def pr_curve(labels: np.ndarray, probabilities: dict[str, np.ndarray], path: Path) -> Path:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, p in probabilities.items():
        precision, recall, _ = precision_recall_curve(labels, p)
        ax.plot(recall, precision, label=f"{name} (AP {average_precision_score(labels, p):.2f})")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (test period)")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def feature_importance_plot(importance: dict[str, float], path: Path) -> Path:
    plt = _plt()
    items = sorted(importance.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set(xlabel="total gain", title="LightGBM feature importance")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def line_plot(x: list, y: list[float], path: Path, *, title: str, ylabel: str) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(x, y, marker=".")
    ax.set(title=title, ylabel=ylabel)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
