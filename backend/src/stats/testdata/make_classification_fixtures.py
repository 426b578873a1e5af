#!/usr/bin/env python3
"""Oracle for backend/src/stats/classification.ts: ROC AUC, DeLong's test (two-sided, and
one-sided superiority by a margin), log loss, Brier.

DeLong is computed here the slow, textbook way (the full m×n kernel matrix ψ), independent of
the TypeScript implementation (sorted placements). AUC is cross-checked against
sklearn.metrics.roc_auc_score, log loss and Brier against sklearn.metrics when scikit-learn
is importable (Debian's python3-sklearn: run with /usr/bin/python3), numpy/scipy otherwise.

Writes classification-fixtures.json beside this file.  Run:
    /usr/bin/python3 backend/src/stats/testdata/make_classification_fixtures.py
"""
import json
import os

import numpy as np
from scipy.stats import norm

try:
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
except ImportError:  # pragma: no cover - depends on the machine
    roc_auc_score = None

EPS = 1e-15


def delong(y, a, b, confidence=0.95):
    pos = y == 1
    neg = ~pos
    m, n = pos.sum(), neg.sum()

    def psi(s):
        x = s[pos][:, None]
        z = s[neg][None, :]
        return (x > z) + 0.5 * (x == z)

    ka, kb = psi(a), psi(b)
    v10 = np.vstack([ka.mean(axis=1), kb.mean(axis=1)])  # 2 × m
    v01 = np.vstack([ka.mean(axis=0), kb.mean(axis=0)])  # 2 × n
    auc = v10.mean(axis=1)
    s = np.cov(v10) / m + np.cov(v01) / n
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    se = float(np.sqrt(max(var, 0.0)))
    diff = float(auc[0] - auc[1])
    zc = norm.ppf(1 - (1 - confidence) / 2)
    z = diff / se
    return {
        "aucA": float(auc[0]),
        "aucB": float(auc[1]),
        "difference": diff,
        "se": se,
        "z": z,
        "pValue": float(2 * norm.sf(abs(z))),
        "ci": [diff - zc * se, diff + zc * se],
        "confidence": confidence,
        # Superiority of A over B by a margin: one-sided H0 aucA - aucB <= margin.
        "superiority": [
            {
                "margin": margin,
                "alpha": 0.05,
                "z": (diff - margin) / se,
                "pValue": float(norm.sf((diff - margin) / se)),
                "lower": diff - float(norm.ppf(0.95)) * se,
            }
            for margin in (0.0, 0.01, 0.05)
        ],
    }


def auc_numpy(y, s):
    x = s[y == 1][:, None]
    z = s[y == 0][None, :]
    return float(((x > z) + 0.5 * (x == z)).mean())


def case(name, y, a, b, p, confidence=0.95):
    y = np.asarray(y, dtype=int)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    p = np.asarray(p, dtype=float)
    auc_a = auc_numpy(y, a)
    pc = np.clip(p, EPS, 1 - EPS)
    ll = float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
    brier = float(np.mean((p - y) ** 2))
    if roc_auc_score is not None:
        assert abs(roc_auc_score(y, a) - auc_a) < 1e-12, name
        assert abs(log_loss(y, p, eps=EPS) - ll) < 1e-12, name
        assert abs(brier_score_loss(y, p) - brier) < 1e-12, name
    return {
        "name": name,
        "labels": y.tolist(),
        "scoresA": a.tolist(),
        "scoresB": b.tolist(),
        "probabilities": p.tolist(),
        "expected": {
            "aucA": auc_a,
            "aucB": auc_numpy(y, b),
            "delong": delong(y, a, b, confidence),
            "logLoss": ll,
            "brier": brier,
        },
    }


def main():
    rng = np.random.default_rng(20240601)
    cases = []

    # Hand-sized, with ties inside and across classes.
    y = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1]
    a = [0.9, 0.3, 0.6, 0.6, 0.6, 0.1, 0.8, 0.4, 0.3, 0.2]
    b = [0.7, 0.5, 0.5, 0.9, 0.2, 0.5, 0.6, 0.1, 0.4, 0.4]
    cases.append(case("small_ties", y, a, b, a, confidence=0.9))

    # Continuous, correlated models (B = A plus noise).
    n = 300
    y = (rng.random(n) < 0.3).astype(int)
    a = y * 1.0 + rng.normal(size=n)
    b = a + rng.normal(scale=0.8, size=n)
    cases.append(case("continuous_correlated", y, a, b, 1 / (1 + np.exp(-a))))

    # Heavily tied scores (one decimal), probabilities with exact 0 and 1 (log-loss clipping).
    n = 500
    y = (rng.random(n) < 0.2).astype(int)
    a = np.round(np.clip(0.2 + 0.25 * y + rng.normal(scale=0.2, size=n), 0, 1), 1)
    b = np.round(np.clip(0.2 + 0.15 * y + rng.normal(scale=0.2, size=n), 0, 1), 1)
    cases.append(case("tied_clipped", y, a, b, a))

    # Imbalanced like CTR (about 5% positives), close models.
    n = 2000
    y = (rng.random(n) < 0.05).astype(int)
    base = 0.8 * y + rng.normal(size=n)
    a = base + rng.normal(scale=0.3, size=n)
    b = base + rng.normal(scale=0.35, size=n)
    cases.append(case("imbalanced_close", y, a, b, 1 / (1 + np.exp(-(a - 3)))))

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classification-fixtures.json")
    with open(out, "w") as f:
        json.dump({"generator": os.path.basename(__file__), "sklearn": roc_auc_score is not None, "cases": cases}, f)
    print(f"wrote {out} ({len(cases)} cases, sklearn cross-check: {roc_auc_score is not None})")


if __name__ == "__main__":
    main()
