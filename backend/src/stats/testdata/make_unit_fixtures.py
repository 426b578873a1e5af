#!/usr/bin/env python3
"""Oracle for backend/src/stats/abtest/ratio.ts: ratio metrics analysed by randomization unit.

Per-unit data is simulated here (numpy, fixed seeds): units with their own click propensity
and a heavy-tailed number of impressions. The expected values are computed the exact,
per-unit way, from the vectors: each unit's linearised value z = (y - r x) / mean(x), its
sample variance (ddof=1), Var(r) = var(z) / n, then scipy's Welch t-test on the two arms'
(r, sd(z), n). Independently of that, the variance is cross-checked against a bootstrap over
units. The TypeScript side only sees the five sums per arm (n, Σx, Σy, Σx², Σy², Σxy).

Run: python3 backend/src/stats/testdata/make_unit_fixtures.py
"""
import json
import os

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "unit-fixtures.json")


def arm(rng, units, mean_ctr, lift=1.0):
    # Heavy-tailed impressions per unit (1 + Pareto-ish), own propensity (beta, mean mean_ctr).
    x = 1 + np.floor(rng.pareto(1.6, units) * 3).astype(np.int64)
    p = rng.beta(0.6, 0.6 * (1 - mean_ctr) / mean_ctr, units) * lift
    y = rng.binomial(x, np.clip(p, 0, 1))
    return x.astype(float), y.astype(float)


def sums(x, y):
    return {"n": int(len(x)), "x": float(x.sum()), "y": float(y.sum()), "xx": float((x * x).sum()),
            "yy": float((y * y).sum()), "xy": float((x * y).sum())}


def per_unit(x, y):
    r = y.sum() / x.sum()
    z = (y - r * x) / x.mean()
    return r, z.std(ddof=1), len(x)


def case(name, seed, units_c, units_t, mean_ctr, lift):
    rng = np.random.default_rng(seed)
    xc, yc = arm(rng, units_c, mean_ctr)
    xt, yt = arm(rng, units_t, mean_ctr, lift)
    rc, sdc, nc = per_unit(xc, yc)
    rt, sdt, nt = per_unit(xt, yt)
    welch = stats.ttest_ind_from_stats(rt, sdt, nt, rc, sdc, nc, equal_var=False)
    se_abs = np.sqrt(sdt**2 / nt + sdc**2 / nc)
    # Relative lift: delta method over two independent ratio estimates.
    se_rel = np.sqrt(sdt**2 / (nt * rc**2) + sdc**2 * rt**2 / (nc * rc**4))
    # Bootstrap over units (independent check of the delta-method variance of each arm's ratio).
    boot = np.random.default_rng(seed + 1)
    reps = []
    for _ in range(400):
        i = boot.integers(0, nc, nc)
        reps.append(yc[i].sum() / xc[i].sum())
    boot_se_c = float(np.std(reps, ddof=1))
    assert abs(boot_se_c / (sdc / np.sqrt(nc)) - 1) < 0.15, (boot_se_c, sdc / np.sqrt(nc))
    # The per-impression analysis (what the service did before), for contrast.
    pc, pt = yc.sum() / xc.sum(), yt.sum() / xt.sum()
    se_imp = np.sqrt(pc * (1 - pc) / xc.sum() + pt * (1 - pt) / xt.sum())
    return {
        "name": name,
        "control": sums(xc, yc),
        "treatment": sums(xt, yt),
        "expected": {
            "controlMean": rc, "treatmentMean": rt,
            "controlVariance": sdc**2, "treatmentVariance": sdt**2,
            "absoluteEffect": rt - rc, "absoluteSe": float(se_abs),
            "relativeEffect": (rt - rc) / rc, "relativeSe": float(se_rel),
            "statistic": float(welch.statistic), "pValue": float(welch.pvalue),
            "df": float((sdt**2 / nt + sdc**2 / nc) ** 2 / ((sdt**2 / nt) ** 2 / (nt - 1) + (sdc**2 / nc) ** 2 / (nc - 1))),
            "bootstrapControlSe": boot_se_c,
            "perImpressionSe": float(se_imp),
        },
    }


def main():
    cases = [
        case("aa_clustered", 11, 1500, 1500, 0.03, 1.0),
        case("lift_10pct", 12, 20000, 20000, 0.03, 1.1),
        case("unequal_arms", 13, 800, 3200, 0.05, 1.0),
    ]
    with open(OUT, "w") as f:
        json.dump({"generator": "make_unit_fixtures.py", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
