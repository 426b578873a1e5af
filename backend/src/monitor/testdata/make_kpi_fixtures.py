#!/usr/bin/env python3
"""Oracle for backend/src/monitor/kpi.ts: writes kpi-fixtures.json beside this file.

- Wilson score intervals: statsmodels' proportion_confint(method='wilson') formula
  (statsmodels/stats/proportion.py), transcribed with scipy's norm.isf, and cross-checked
  here against an independent solution: the interval is the set of p with
  |x/n - p| <= z sqrt(p (1 - p) / n), whose ends are found by root finding (brentq).
- KPI windows: per-minute traffic for two arms (seeded numpy), with empty minutes and
  minutes without impressions; expected per 5-minute window: ctr, cvr, error_rate (None
  where the denominator is 0 or the window holds no minute at all), counts, Wilson
  intervals, requests, and exact latency quantiles sorted[floor(q (n - 1))] (the rank
  DDSketch targets; the sketch must be within 1% of them).

Run: python3 backend/src/monitor/testdata/make_kpi_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy import optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "kpi-fixtures.json")

T0 = 1735732800000  # 2025-01-01T12:00:00Z
MINUTE = 60_000
STEP = 5 * MINUTE


def wilson(count, nobs, confidence):
    """statsmodels proportion_confint(count, nobs, alpha=1-confidence, method='wilson')."""
    alpha = 1 - confidence
    crit = stats.norm.isf(alpha / 2.0)
    q_ = count * 1.0 / nobs
    crit2 = crit**2
    denom = 1 + crit2 / nobs
    center = (q_ + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
    dist /= denom
    return [float(center - dist), float(center + dist)]


def wilson_by_roots(count, nobs, confidence):
    """Independent check: ends of {p : (x/n - p)^2 <= z^2 p (1 - p) / n}."""
    z = stats.norm.isf((1 - confidence) / 2)
    ph = count / nobs
    f = lambda p: (ph - p) ** 2 - z * z * p * (1 - p) / nobs
    eps = 1e-12  # p = x/n is itself a root when x = 0 or x = n: bracket just past it
    lo = 0.0 if count == 0 else optimize.brentq(f, 0.0, min(ph, 1 - eps), xtol=1e-15, rtol=1e-15)
    hi = 1.0 if count == nobs else optimize.brentq(f, max(ph, eps), 1.0, xtol=1e-15, rtol=1e-15)
    return [lo, hi]


def wilson_cases():
    cases = []
    for count, nobs in [(0, 10), (10, 10), (1, 2), (3, 7), (50, 1000), (1, 1), (0, 1),
                        (123_456, 9_876_543), (2_000, 2_500), (7, 100_000)]:
        for confidence in (0.95, 0.99, 0.9):
            ci = wilson(count, nobs, confidence)
            check = wilson_by_roots(count, nobs, confidence)
            assert max(abs(ci[0] - check[0]), abs(ci[1] - check[1])) < 1e-9, (count, nobs, ci, check)
            cases.append({"successes": count, "trials": nobs, "confidence": confidence, "ci": ci})
    return cases


def traffic():
    rng = np.random.default_rng(20250101)
    minutes = []
    for m in range(20):
        for arm, ctr in (("A", 0.05), ("B", 0.04)):
            if m in (10, 11, 12, 13, 14) or (arm == "B" and m in (3, 4)):
                continue  # no rollup at all: the window 10-15 min is empty for both arms
            requests = int(rng.integers(20, 60))
            errors = int(rng.binomial(requests, 0.03))
            # no impressions in minute 2, nor for arm B in the last window (ctr, cvr: None)
            no_impressions = m == 2 or (arm == "B" and m >= 15)
            impressions = 0 if no_impressions else int(rng.binomial(requests, 0.9))
            clicks = int(rng.binomial(impressions, ctr * 4))
            conversions = int(rng.binomial(clicks, 0.3))
            latencies = (rng.lognormal(np.log(40), 0.9, size=requests - errors)).round(3).tolist()
            minutes.append({"version": "v1", "arm": arm, "bucketStart": T0 + m * MINUTE,
                            "requests": requests, "errors": errors, "impressions": impressions,
                            "clicks": clicks, "conversions": conversions, "latencies": latencies})
    return minutes


def expected(minutes, from_ms, to_ms, step):
    first = (from_ms // step) * step
    n = math.ceil((to_ms - first) / step)
    starts = [first + i * step for i in range(n)]
    out = []
    for arm in ("A", "B"):
        windows = [[mm for mm in minutes if mm["arm"] == arm and first + i * step <= mm["bucketStart"] < first + (i + 1) * step]
                   for i in range(n)]
        series = {}
        for kpi, num_key, den_key in (("ctr", "clicks", "impressions"), ("cvr", "conversions", "clicks"),
                                      ("error_rate", "errors", "requests")):
            pts, counts, cis = [], [], []
            for s, w in zip(starts, windows):
                num = sum(mm[num_key] for mm in w)
                den = sum(mm[den_key] for mm in w)
                pts.append([s, (num / den) if (w and den > 0) else None])
                counts.append([num, den])
                cis.append(wilson(num, den, 0.95) if den > 0 else None)
            series[kpi] = {"points": pts, "counts": counts, "ci": cis}
        series["requests"] = {"points": [[s, sum(mm["requests"] for mm in w) if w else None] for s, w in zip(starts, windows)]}
        for kpi, q in (("latency_p50", 0.5), ("latency_p90", 0.9), ("latency_p99", 0.99)):
            pts = []
            for s, w in zip(starts, windows):
                lat = np.sort(np.array([x for mm in w for x in mm["latencies"]]))
                pts.append([s, float(lat[int(math.floor(q * (len(lat) - 1)))]) if len(lat) else None])
            series[kpi] = {"points": pts}
        out.append({"version": "v1", "arm": arm, "series": series})
    return out


def main():
    minutes = traffic()
    query = {"from": T0 + 90_000, "to": T0 + 20 * MINUTE, "step": STEP}
    doc = {
        "generator": "make_kpi_fixtures.py (numpy %s, scipy %s)" % (np.__version__, __import__("scipy").__version__),
        "wilson": wilson_cases(),
        "windows": {"minutes": minutes, "query": query,
                    "expected": expected(minutes, query["from"], query["to"], query["step"])},
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
