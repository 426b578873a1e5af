#!/usr/bin/env python3
"""Oracle for backend/src/stats/binned-quality.ts: quality metrics of raw (label, score) rows
and of their 50-bin label histograms.

The raw-row values are computed the textbook way: AUC from scipy.stats.mannwhitneyu (U / mn),
log loss and the confusion matrix with numpy. The binned values bin the rows with
numpy.histogram (50 equal bins on [0, 1]) and apply the formulas of binned-quality.ts's
module comment, independently of the TypeScript code.

Writes binned-quality-fixtures.json beside this file.  Run:
    python3 backend/src/stats/testdata/make_binned_quality_fixtures.py  (pyenv 3.11 has numpy + scipy)
"""
import json
import os

import numpy as np
from scipy.stats import mannwhitneyu

BINS = 50
EPS = 1e-15


def histograms(y, s):
    edges = np.arange(BINS + 1) / BINS  # i / BINS, the TypeScript edges
    pos, _ = np.histogram(np.clip(s[y == 1], 0, 1), bins=edges)
    neg, _ = np.histogram(np.clip(s[y == 0], 0, 1), bins=edges)
    return pos.astype(float), neg.astype(float)


def hanley_mcneil(a, m, n):
    # Hanley & McNeil (1982), Radiology 143:29-36, eq. 2 with Q1 = A/(2-A), Q2 = 2A^2/(1+A).
    q1 = a / (2 - a)
    q2 = 2 * a * a / (1 + a)
    return float(np.sqrt((a * (1 - a) + (m - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (m * n)))


def confusion(y, s, t):
    pred = s >= t
    return {
        "tp": int(np.sum(pred & (y == 1))),
        "fp": int(np.sum(pred & (y == 0))),
        "tn": int(np.sum(~pred & (y == 0))),
        "fn": int(np.sum(~pred & (y == 1))),
    }


def case(name, y, s, thresholds):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    u = mannwhitneyu(s[y == 1], s[y == 0], alternative="two-sided").statistic
    m, n = int(np.sum(y == 1)), int(np.sum(y == 0))
    pc = np.clip(s, EPS, 1 - EPS)
    pos, neg = histograms(y, s)
    mid = (np.arange(BINS) + 0.5) / BINS
    below = np.concatenate([[0.0], np.cumsum(neg)[:-1]])
    count = pos + neg
    observed = np.where(count > 0, pos / np.maximum(count, 1), 0.0)
    return {
        "name": name,
        "labels": y.tolist(),
        "scores": s.tolist(),
        "exact": {
            "auc": float(u / (m * n)),
            "aucSe": hanley_mcneil(float(u / (m * n)), m, n),
            "logLoss": float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))),
            "confusion": {str(t): confusion(y, s, t) for t in thresholds},
        },
        "binned": {
            "pos": pos.tolist(),
            "neg": neg.tolist(),
            "auc": float(np.sum(pos * (below + neg / 2)) / (m * n)),
            "logLoss": float(-np.sum(pos * np.log(mid) + neg * np.log(1 - mid)) / len(y)),
            "observed": [float(o) if c > 0 else None for o, c in zip(observed, count)],
            "ece": float(np.sum(count * np.abs(observed - mid)) / np.sum(count)),
        },
    }


def main():
    rng = np.random.default_rng(20261202)
    cases = []
    # A fair model: positives' scores Beta(4, 2), negatives' Beta(2, 4), kept inside the
    # interior bins so the log-loss binning bound is finite.
    y = (rng.random(600) < 0.35).astype(int)
    s = np.where(y == 1, rng.beta(4, 2, 600), rng.beta(2, 4, 600))
    s = np.clip(s, 0.021, 0.979)
    cases.append(case("beta", y, s, [0.5, 0.3, 0.7]))
    # Scores on a coarse grid: many ties, some exactly on bin edges (0.5, 0.3).
    y2 = (rng.random(300) < 0.5).astype(int)
    s2 = np.round(np.clip(rng.normal(0.45 + 0.15 * y2, 0.15), 0.05, 0.95), 1)
    cases.append(case("grid", y2, s2, [0.5, 0.3]))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "binned-quality-fixtures.json")
    with open(out, "w") as f:
        json.dump({"bins": BINS, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
