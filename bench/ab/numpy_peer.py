#!/usr/bin/env python3
"""Independent check of bench/ab/run.ts's A/A false-positive rate, in numpy (no ModelWatch code).

The same population (Beta(0.3, 9.7) click propensities, 1 + floor(2 * Lomax(1.3)) requests per unit
capped at 200, a coin-flip 50/50 split by unit) analysed by unit with the delta method, for the
relative lift (as the results test ctr) and for the absolute difference, at α = 0.05.

Run: python3 bench/ab/numpy_peer.py
"""
import numpy as np
from scipy import stats


def run(units, reps, seed=7):
    rng = np.random.default_rng(seed)
    rel = ab = 0
    for _ in range(reps):
        p = rng.beta(0.3, 9.7, units)
        x = np.minimum(200, 1 + np.floor(((1 - rng.random(units)) ** (-1 / 1.3) - 1) * 2))
        y = rng.binomial(x.astype(int), p).astype(float)
        arm = rng.random(units) < 0.5
        res = []
        for m in (arm, ~arm):
            xs, ys = x[m], y[m]
            r = ys.sum() / xs.sum()
            z = (ys - r * xs) / xs.mean()
            res.append((r, z.var(ddof=1), len(xs)))
        (rc, vc, nc), (rt, vt, nt) = res
        se_rel = np.sqrt(vt / (nt * rc**2) + vc * rt**2 / (nc * rc**4))
        rel += 2 * stats.norm.sf(abs((rt - rc) / rc) / se_rel) < 0.05
        ab += 2 * stats.norm.sf(abs(rt - rc) / np.sqrt(vt / nt + vc / nc)) < 0.05
    return rel / reps, ab / reps


for units, reps in ((1500, 2000), (6000, 1000), (20000, 300)):
    r, a = run(units, reps)
    print(f"{units} units, {reps} A/A: false positives relative lift {r:.3f}, absolute difference {a:.3f}")
