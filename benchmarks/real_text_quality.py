"""Ranking quality on real (requirement text, resume text) pairs with a fit label.

    python benchmarks/real_text_quality.py [--pairs FILE] [--bootstrap 2000] [--seed 7]

FILE has the `benchcrm score-pairs` columns (requirement_text, resume_text) plus `label` (1 fit, 0 not); default
`$BENCHCRM_SHARED_DATA/resume_jd_fit_dev/pairs.csv` (BENCHCRM_SHARED_DATA defaults to ../shared/data). Prints AUC
with a bootstrap interval for the prior (and, with --tenant, that tenant's served model) exported under the data
folder, the seed formula, and its role and skills factors alone, next to baselines computed on the same pairs: TF-IDF cosine, BM25
of the requirement's terms over the resume, and a plain all-MiniLM-L6-v2 cosine of the two raw texts (one vector
each, the model truncating at 256 word pieces). Rows the product cannot score count as ties at the bottom. Also
prints the share of pairs whose factors are unknown (the missing-field rates the prior is trained with).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ml.evaluation.real_pairs import bootstrap_auc, labelled_rows  # noqa: E402


def default_pairs() -> Path | None:
    from warehouse.settings import get_settings

    return get_settings().dev_pairs_path


def tfidf_cosine(reqs: list[str], resumes: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(reqs + resumes)
    a, b = vec.transform(reqs), vec.transform(resumes)
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def bm25(reqs: list[str], resumes: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyze = TfidfVectorizer(stop_words="english").build_analyzer()
    docs = [analyze(t) for t in resumes]
    distinct = {tuple(d) for d in docs}
    df = Counter(w for d in distinct for w in set(d))
    n, avg = len(distinct), float(np.mean([len(d) for d in docs]) or 1.0)
    out = np.zeros(len(reqs))
    for i, (q, d) in enumerate(zip(reqs, docs, strict=True)):
        tf, length = Counter(d), len(d)
        terms = set(analyze(q))
        score = sum(math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5)) * tf[w] * (k1 + 1)
                    / (tf[w] + k1 * (1 - b + b * length / avg)) for w in terms if w in tf)
        out[i] = score / max(len(terms), 1)
    return out


def raw_minilm_cosine(reqs: list[str], resumes: list[str]) -> np.ndarray:
    from ml.ai.embeddings import get_embedder

    embedder = get_embedder()  # one vector per raw text, as a bare sentence-transformers user would
    a, b = embedder.encode_unchunked(reqs), embedder.encode_unchunked(resumes)
    return (a * b).sum(axis=1)


def product_figures(path: Path, cache: Path | None, tenant: str | None) -> dict[str, np.ndarray]:
    """Product scores per labelled row (extraction, embedding and features run once, cached)."""
    from ml.evaluation.real_pairs import labelled_pair_features
    from ml.features.pairs import factor_matrix
    from ml.matching.champion import load_prior, load_serving_model
    from ml.scoring.formula import FACTORS, explainable_scores
    from warehouse.settings import get_settings

    pairs = labelled_pair_features(path, cache)
    print(f"featurized {len(pairs.scored)} of {pairs.rows} labelled rows (the rest rank below every scored pair)")
    values = factor_matrix(pairs.frame)
    out = {"seed formula (v3)": pairs.spread(explainable_scores(values)[0])}
    for factor in ("role", "skills"):
        out[f"  its {factor} factor alone"] = pairs.spread(values[:, FACTORS.index(factor)])
    unknown = {f: float(np.mean(~np.isfinite(values[:, j]))) for j, f in enumerate(FACTORS)}
    print("unknown share per factor on these pairs: " + ", ".join(f"{f} {v:.0%}" for f, v in unknown.items()))
    settings = get_settings()
    prior = load_prior(settings)
    if prior is not None:
        out[f"prior ({prior.version})"] = pairs.spread(prior.predict(pairs.frame).match_score)
    served = load_serving_model(settings, tenant) if tenant else prior
    if served is not None and served is not prior:
        out[f"served model ({served.version})"] = pairs.spread(served.predict(pairs.frame).match_score)
    if served is None:
        print("served model: no champion and no prior exported — the seed formula is what serves")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=None)
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tenant", default=None, help="also score with this tenant's champion (id); default: the prior")
    ap.add_argument("--cache", type=Path, default=ROOT / ".benchcrm" / "cache" / "real_pairs",
                    help="where featurized pairs are cached (by file hash and a fingerprint of the feature code)")
    args = ap.parse_args()
    path = args.pairs or default_pairs()
    if path is None or not path.exists():
        raise SystemExit(f"{path or 'resume_jd_fit_dev/pairs.csv'}: no such file (pass --pairs or set BENCHCRM_SHARED_DATA)")
    try:
        rows, y = labelled_rows(path)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    print(f"pairs: {path} — {len(rows)} labelled rows, {int(y.sum())} labelled fit")
    reqs, resumes = [r["requirement_text"] for r in rows], [r["resume_text"] for r in rows]
    t0 = time.perf_counter()
    results = product_figures(path, args.cache, args.tenant)
    print(f"product pipeline (extract, embed, features; cached under {args.cache}): {time.perf_counter() - t0:.1f} s")
    results["baseline TF-IDF cosine"] = tfidf_cosine(reqs, resumes)
    results["baseline BM25"] = bm25(reqs, resumes)
    results["baseline MiniLM cosine (raw texts)"] = raw_minilm_cosine(reqs, resumes)
    print(f"\n{'scorer':44s} {'AUC':>6s}  95% bootstrap interval   coverage")
    for name, score in results.items():
        auc, low, high, coverage = bootstrap_auc(y, score, n_boot=args.bootstrap, seed=args.seed)
        print(f"{name:44s} {auc:6.3f}  [{low:.3f}, {high:.3f}]          {coverage:6.1%}")


if __name__ == "__main__":
    main()
