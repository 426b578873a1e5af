#!/usr/bin/env python3
"""Oracle for ModelWatch drift statistics: fixed datasets (seeded numpy) and SciPy's answers.

Writes drift-fixtures.json beside this file. Run: python3 make_drift_fixtures.py
The TypeScript tests (backend/src/stats/drift/*.test.ts) assert agreement to 1e-6 relative.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

rng = np.random.default_rng(20240611)
PSI_EPSILON = 1e-4


def r4(x):
    """Round data to 4 decimals so the fixture stays small; the answers use the rounded data."""
    return [float(v) for v in np.round(np.asarray(x, dtype=float), 4)]


def r2(x):
    return [float(v) for v in np.round(np.asarray(x, dtype=float), 2)]


def encode(sample):
    """A sample as {"values": [...]} or, when that is shorter, {"unique": [...], "counts": [...]}
    (sorted distinct values and their multiplicities; order is irrelevant to these statistics)."""
    u, c = np.unique(np.asarray(sample), return_counts=True)
    if 2 * len(u) < len(sample):
        return {"unique": [float(v) for v in u], "counts": [int(k) for k in c]}
    return {"values": sample}


def ks_case(name, a, b, rounding=r4):
    a, b = rounding(a), rounding(b)
    res = stats.ks_2samp(a, b, method="auto")
    regime = "exact" if max(len(a), len(b)) <= 10000 else "asymptotic"
    return {
        "name": name,
        "a": encode(a),
        "b": encode(b),
        "regime": regime,
        "statistic": float(res.statistic),
        "pvalue": float(res.pvalue),
        "wasserstein": float(stats.wasserstein_distance(a, b)),
    }


def sample_cases():
    n = rng.normal
    cases = [
        ks_case("equal n=15, shift 1", n(0, 1, 15), n(1, 1, 15)),
        ks_case("equal n=40, no shift", n(0, 1, 40), n(0, 1, 40)),
        ks_case("20 vs 30, shift 0.5", n(0, 1, 20), n(0.5, 1, 30)),
        ks_case("200 vs 300, scale 1.3", n(0, 1, 200), n(0, 1.3, 300)),
        ks_case("ties: poisson 100 vs 150", rng.poisson(3, 100), rng.poisson(3.4, 150)),
        ks_case("ties: heavy 0/1 60 vs 90", rng.integers(0, 2, 60), rng.integers(0, 2, 90)),
        ks_case("1000 vs 800, shift 0.1", n(0, 1, 1000), n(0.1, 1, 800)),
        ks_case("2000 vs 2000, shift 0.05", n(0, 1, 2000), n(0.05, 1, 2000)),
        ks_case("3000 vs 7000, lognormal", rng.lognormal(0, 1, 3000), rng.lognormal(0.05, 1, 7000), r2),
        ks_case("one value each", [1.0], [2.0]),
        ks_case("one value vs 10", [0.5], n(0, 1, 10)),
        ks_case("identical samples", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ks_case("all identical values, equal", [3.0] * 12, [3.0] * 7),
        ks_case("all identical values, different", [3.0] * 12, [4.0] * 7),
        ks_case("disjoint 50 vs 70", n(0, 1, 50), n(10, 1, 70)),
        ks_case("exact, p underflows: 3000 vs 2000, shift 3", n(0, 1, 3000), n(3, 1, 2000), r2),
            # Asymptotic regime (a sample over 10,000): kstwo.sf(d, round(en)) with various n, d.
        # Two decimals keep the fixture small (and add ties).
        ks_case("asymptotic 60 vs 10050, shift 0.3", n(0, 1, 60), n(0.3, 1, 10050), r2),
        ks_case("asymptotic 130 vs 10010, shift 2", n(2, 1, 130), n(0, 1, 10010), r2),
        ks_case("asymptotic 1000 vs 12000, shift 0.1", n(0, 1, 1000), n(0.1, 1, 12000), r2),
        ks_case("asymptotic 3000 vs 10500, no shift", n(0, 1, 3000), n(0, 1, 10500), r2),
        ks_case("asymptotic 400 vs 10001, shift 0.6", n(0, 1, 400), n(0.6, 1, 10001), r2),
    ]
    return cases


def kstwo_grid():
    out = []
    ns = [1, 2, 3, 5, 10, 25, 50, 100, 140, 141, 200, 500, 1000, 5000, 20000, 100001, 250000]
    for nn in ns:
        for x in [0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95]:
            # Points of interest for p-values: around sqrt(n)·x in 0.3..3 as well.
            out.append({"n": nn, "x": x, "sf": float(stats.kstwo.sf(x, nn))})
        for y in [0.4, 0.7, 0.9, 1.1, 1.36, 1.7, 2.2, 3.0]:
            x = y / math.sqrt(nn)
            if x < 1:
                out.append({"n": nn, "x": x, "sf": float(stats.kstwo.sf(x, nn))})
    return out


def smirnov_grid():
    out = []
    for nn in [1, 2, 5, 10, 37, 100, 1000, 10000]:
        for x in [0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 0.99]:
            out.append({"n": nn, "x": x, "sf": float(special.smirnov(nn, x))})
    return out


def kolmogorov_grid():
    ys = [0.03, 0.05, 0.1, 0.3, 0.5, 0.8, 0.82, 0.83, 1.0, 1.2, 1.36, 1.63, 2.0, 3.0, 5.0, 10.0]
    return [{"y": y, "sf": float(special.kolmogorov(y))} for y in ys]


def chi2_grid():
    out = []
    for df in [1, 2, 3, 4, 7, 12, 30, 51, 100]:
        for x in [0.01, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 60.0, 150.0, 400.0]:
            out.append({"x": x, "df": df, "sf": float(stats.chi2.sf(x, df))})
    return out


def count_pairs():
    """Count vectors of equal length (histogram/category layouts), incl. zero bins."""
    pairs = [
        ("uniform vs uniform", [100] * 13, [90] * 13),
        ("shifted", [0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 0, 5],
         [3, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 8, 4]),
        ("zero bins one side", [0, 10, 20, 30, 0, 5], [4, 10, 0, 30, 9, 5]),
        ("categories + unseen + missing", [500, 300, 150, 50, 0, 20], [300, 300, 200, 100, 40, 10]),
        ("two categories", [70, 30], [50, 50]),
        ("large counts", [100000, 250000, 400000, 250000], [1010, 2490, 3980, 2520]),
        ("tiny current", [1000, 1000, 1000, 0, 0], [0, 1, 0, 0, 0]),
    ]
    # Random Dirichlet-multinomial pairs.
    for k in [5, 13, 52]:
        p = rng.dirichlet(np.ones(k))
        q = 0.8 * p + 0.2 * rng.dirichlet(np.ones(k))
        pairs.append((f"random k={k}", rng.multinomial(5000, p).tolist(), rng.multinomial(700, q).tolist()))
    return pairs


def psi(ref, cur):
    r = np.asarray(ref, float) / np.sum(ref)
    c = np.asarray(cur, float) / np.sum(cur)
    keep = ~((r == 0) & (c == 0))
    r, c = r[keep], c[keep]
    r = np.where(r == 0, PSI_EPSILON, r)
    c = np.where(c == 0, PSI_EPSILON, c)
    return float(np.sum((c - r) * np.log(c / r)))


def chi2_homogeneity(ref, cur):
    table = np.array([ref, cur], dtype=float)
    table = table[:, table.sum(axis=0) > 0]  # drop slots empty on both sides
    if table.shape[1] < 2:
        return {"statistic": 0.0, "pvalue": 1.0, "dof": max(0, table.shape[1] - 1)}
    res = stats.chi2_contingency(table, correction=False)
    return {"statistic": float(res.statistic), "pvalue": float(res.pvalue), "dof": int(res.dof)}


def count_cases():
    out = []
    for name, ref, cur in count_pairs():
        out.append({
            "name": name,
            "reference": [int(v) for v in ref],
            "current": [int(v) for v in cur],
            "psi": psi(ref, cur),
            "jensenshannon": float(jensenshannon(ref, cur, base=2)),
            "chi2": chi2_homogeneity(ref, cur),
        })
    return out


def binned_cases():
    """Histograms over a numeric layout [below, bins..., above, missing]."""
    out = []
    specs = [
        ("reference quantile bins, shifted current", 0.0, 0.4, 10, 2000, 800),
        ("reference quantile bins, same", 0.0, 0.0, 10, 2000, 800),
        ("few bins, big shift", 0.0, 2.0, 4, 300, 200),
    ]
    for name, m0, m1, bins, n0, n1 in specs:
        ref = r2(rng.normal(m0, 1, n0))
        cur = r2(rng.normal(m1, 1, n1))
        edges = np.unique(np.quantile(ref, np.arange(bins + 1) / bins)).tolist()
        def counts(vals, missing):
            vals = np.asarray(vals)
            k = len(edges) - 1
            c = [int(np.sum(vals < edges[0]))]
            for j in range(1, k + 1):
                lo, hi = edges[j - 1], edges[j]
                c.append(int(np.sum((vals >= lo) & ((vals < hi) if j < k else (vals <= hi)))))
            c.append(int(np.sum(vals > edges[-1])))
            c.append(missing)
            return c
        rc, cc = counts(ref, 7), counts(cur, 3)
        k = len(edges) - 1
        support = [edges[0]] + [(edges[j - 1] + edges[j]) / 2 for j in range(1, k + 1)] + [edges[-1]]
        rw, cw = np.array(rc[:-1], float), np.array(cc[:-1], float)
        d = float(np.max(np.abs(np.cumsum(rw) / rw.sum() - np.cumsum(cw) / cw.sum())))
        en = rw.sum() * cw.sum() / (rw.sum() + cw.sum())
        std = float(np.std(ref))
        out.append({
            "name": name,
            "referenceValues": ref,
            "bins": bins,
            "edges": edges,
            "reference": rc,
            "current": cc,
            "refMean": float(np.mean(ref)),
            "refStd": std,
            "ksStatistic": d,
            "ksPvalue": float(stats.kstwobign.sf(math.sqrt(en) * d)),
            "wasserstein": float(stats.wasserstein_distance(support, support, rw, cw)),
            "psi": psi(rc, cc),
            "jensenshannon": float(jensenshannon(rc, cc, base=2)),
        })
    return out


def quantile_cases():
    out = []
    data = {
        "normal 1000": r4(rng.normal(0, 1, 1000)),
        "heavy ties": [0.0] * 900 + r4(rng.exponential(1, 100)),
        "small 7": [5.0, 1.0, 3.0, 2.0, 8.0, 13.0, 21.0],
        "two values": [1.0, 2.0],
        "one value": [4.25],
        "all identical": [2.5] * 50,
    }
    for name, vals in data.items():
        by_bins = {}
        for bins in [1, 4, 10]:
            q = np.quantile(np.asarray(vals), np.arange(bins + 1) / bins)
            edges = []
            for e in q.tolist():
                if not edges or e > edges[-1]:
                    edges.append(e)
            if len(edges) == 1:
                edges.append(edges[0])
            by_bins[str(bins)] = edges
        out.append({"name": name, "values": vals, "edges": by_bins})
    return out


def main():
    fixtures = {
        "generator": {"numpy": np.__version__, "scipy": scipy.__version__, "seed": 20240611},
        "psiEpsilon": PSI_EPSILON,
        "samples": sample_cases(),
        "kstwo": kstwo_grid(),
        "smirnov": smirnov_grid(),
        "kolmogorov": kolmogorov_grid(),
        "chi2": chi2_grid(),
        "counts": count_cases(),
        "binned": binned_cases(),
        "quantiles": quantile_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drift-fixtures.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
