#!/usr/bin/env python3
"""Oracle for backend/src/stats/abtest: writes abtest-fixtures.json beside this file.

Expected values come from scipy (ttest_ind_from_stats, chisquare, norm, t, chi2) and from a
Python transcription of the published formulas (delta-method relative lift as in GrowthBook's
gbstats; the asymptotic confidence sequence of Waudby-Smith et al. 2023, eqs. 9, 155, 161).
The transcriptions are cross-checked here by independent means (root finding on the e-value,
numerical integration) before anything is written.

Run: python3 backend/src/stats/testdata/make_abtest_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy import integrate, optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "abtest-fixtures.json")
DEFAULT_TUNING = 5000.0


# ---------------------------------------------------------------- arms from summary statistics
def moments(arm, metric):
    n, s = arm["n"], arm["sum"]
    mean = s / n
    if metric == "proportion":
        return n, mean, mean * (1 - mean)
    ss = arm["sumSquares"]
    return n, mean, max(0.0, (ss - s * mean) / (n - 1))


def mean_arm(n, mean, sd):
    """Summary statistics of a sample with the given mean and sample sd (exact in floats)."""
    s = float(n * mean)
    return {"n": n, "sum": s, "sumSquares": float((n - 1) * sd * sd + s * s / n)}


def prop_arm(n, successes):
    return {"n": n, "sum": successes}


# ---------------------------------------------------------------- sequential (eqs. 161, 9, 155)
def seq_rho(alpha, tuning):
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def seq_halfwidth(se, n, alpha, tuning):
    rho = seq_rho(alpha, tuning)
    s2 = se * se * n  # per-observation variance
    return math.sqrt(s2) * math.sqrt(
        2 * (n * rho**2 + 1) * math.log(math.sqrt(n * rho**2 + 1) / alpha) / (n * rho) ** 2
    )


def seq_log_evalue(effect, se, n, alpha, tuning):
    rho = seq_rho(alpha, tuning)
    st2 = effect**2 * n / se**2
    tr2p1 = n * rho**2 + 1
    return rho**2 * st2 / (2 * tr2p1) - 0.5 * math.log(tr2p1)


def seq_p(effect, se, n, alpha, tuning):
    return min(1.0, math.exp(-seq_log_evalue(effect, se, n, alpha, tuning)))


def check_halfwidth_by_root(se, n, alpha, tuning):
    """The CS boundary is where the e-value reaches 1/alpha: solve for it independently."""
    hw = seq_halfwidth(se, n, alpha, tuning)
    root = optimize.brentq(
        lambda th: seq_log_evalue(th, se, n, alpha, tuning) + math.log(alpha), 0, 100 * hw + 1, xtol=1e-300, rtol=1e-15
    )
    assert abs(root - hw) <= 1e-10 * hw, (root, hw)


# ---------------------------------------------------------------- bayesian
def posterior(effect, se, alpha, direction):
    gain = effect if direction == "higher" else -effect
    z = gain / se
    ctw = stats.norm.cdf(z)
    lo, hi = stats.norm.ppf([alpha / 2, 1 - alpha / 2], effect, se)
    loss_t = se * stats.norm.pdf(z) - gain * stats.norm.cdf(-z)
    loss_c = se * stats.norm.pdf(z) + gain * stats.norm.cdf(z)
    # independent check by integration: E[max(0, -gain)] and E[max(0, gain)]
    q_t = integrate.quad(lambda g: -g * stats.norm.pdf(g, gain, se), gain - 40 * se, 0, epsabs=0, epsrel=1e-12, limit=200)[0] if gain - 40 * se < 0 else 0.0
    q_c = integrate.quad(lambda g: g * stats.norm.pdf(g, gain, se), 0, gain + 40 * se, epsabs=0, epsrel=1e-12, limit=200)[0] if gain + 40 * se > 0 else 0.0
    for a, b in ((loss_t, q_t), (loss_c, q_c)):
        assert abs(a - b) <= 1e-8 * max(abs(a), abs(b), 1e-12 * se), (a, b)
    return float(ctw), [float(lo), float(hi)], {"treatment": max(0.0, float(loss_t)), "control": max(0.0, float(loss_c))}


# ---------------------------------------------------------------- abtest
def abtest(case):
    metric = case["metric"]
    alpha = case.get("alpha", 0.05)
    difference = case.get("difference", "relative")
    direction = case.get("direction", "higher")
    seq = case.get("sequential")
    tuning = None if seq is None else seq.get("tuning", DEFAULT_TUNING)
    nc, mc, vc = moments(case["control"], metric)
    nt, mt, vt = moments(case["treatment"], metric)

    if difference == "absolute":
        effect = mt - mc
        var = vt / nt + vc / nc
    else:  # delta method, gbstats' variance_of_ratios with zero covariance
        effect = (mt - mc) / mc
        var = vt / (mc**2 * nt) + vc * mt**2 / (mc**4 * nc)
    se = math.sqrt(var)

    if metric == "mean":
        a, b = vt / nt, vc / nc
        df = (a + b) ** 2 / (a * a / (nt - 1) + b * b / (nc - 1))
        if difference == "absolute":
            # the library oracle: Welch's test from summary statistics
            res = stats.ttest_ind_from_stats(mt, math.sqrt(vt), nt, mc, math.sqrt(vc), nc, equal_var=False)
            p_fixed = float(res.pvalue)
            assert abs(res.statistic - effect / se) <= 1e-12 * abs(effect / se) + 1e-300
            if hasattr(res, "df"):
                assert abs(res.df - df) <= 1e-10 * df
        else:
            p_fixed = float(2 * stats.t.sf(abs(effect / se), df))
        crit = float(stats.t.ppf(1 - alpha / 2, df))
    else:
        df = None
        p_fixed = float(2 * stats.norm.sf(abs(effect / se)))
        crit = float(stats.norm.ppf(1 - alpha / 2))

    if tuning is None:
        p = p_fixed
        half = crit * se
    else:
        n = nc + nt
        check_halfwidth_by_root(se, n, alpha, tuning)
        p = seq_p(effect, se, n, alpha, tuning)
        half = seq_halfwidth(se, n, alpha, tuning)
    ctw, cred, loss = posterior(effect, se, alpha, direction)
    return {
        "effect": effect,
        "se": se,
        "ci": [effect - half, effect + half],
        "pValue": p,
        "significant": bool(p < alpha),
        "chanceToWin": ctw,
        "df": df,
        "statistic": effect / se,
        "credibleInterval": cred,
        "expectedLoss": loss,
    }


def abtest_cases():
    rng = np.random.default_rng(20240607)
    cases = [
        # proportions (CTR-like), absolute and relative, fixed and sequential
        {"metric": "proportion", "control": prop_arm(10000, 500), "treatment": prop_arm(10000, 560), "difference": "absolute"},
        {"metric": "proportion", "control": prop_arm(10000, 500), "treatment": prop_arm(10000, 560)},
        {"metric": "proportion", "control": prop_arm(10000, 500), "treatment": prop_arm(10000, 560), "sequential": {}},
        {"metric": "proportion", "control": prop_arm(10000, 500), "treatment": prop_arm(10000, 560), "sequential": {"tuning": 20000}, "difference": "absolute"},
        {"metric": "proportion", "control": prop_arm(1234, 37), "treatment": prop_arm(1301, 29), "alpha": 0.01},
        {"metric": "proportion", "control": prop_arm(50, 50), "treatment": prop_arm(60, 55), "difference": "absolute"},
        {"metric": "proportion", "control": prop_arm(2_000_000, 61_234), "treatment": prop_arm(1_999_000, 63_880), "difference": "absolute"},
        {"metric": "proportion", "control": prop_arm(2_000_000, 61_234), "treatment": prop_arm(1_999_000, 63_880), "sequential": {"tuning": 1000}},
        {"metric": "proportion", "control": prop_arm(800, 120), "treatment": prop_arm(790, 118), "direction": "lower", "alpha": 0.1},
        {"metric": "proportion", "control": prop_arm(100000, 2000), "treatment": prop_arm(100000, 3000), "difference": "absolute"},  # tiny p
        # means (latency, revenue-like)
        {"metric": "mean", "control": mean_arm(500, 12.5, 4.0), "treatment": mean_arm(520, 12.9, 4.6), "difference": "absolute"},
        {"metric": "mean", "control": mean_arm(500, 12.5, 4.0), "treatment": mean_arm(520, 12.9, 4.6)},
        {"metric": "mean", "control": mean_arm(500, 12.5, 4.0), "treatment": mean_arm(520, 12.9, 4.6), "sequential": {}},
        {"metric": "mean", "control": mean_arm(5, 3.0, 1.0), "treatment": mean_arm(7, 4.5, 2.5), "difference": "absolute"},
        {"metric": "mean", "control": mean_arm(3, 10.0, 0.5), "treatment": mean_arm(40, 9.0, 3.0), "difference": "absolute", "alpha": 0.01},
        {"metric": "mean", "control": mean_arm(200, -2.0, 1.5), "treatment": mean_arm(180, -1.5, 1.4), "difference": "absolute"},
        {"metric": "mean", "control": mean_arm(200, -2.0, 1.5), "treatment": mean_arm(180, -1.5, 1.4)},
        {"metric": "mean", "control": mean_arm(30000, 180.0, 60.0), "treatment": mean_arm(30500, 176.0, 58.0), "direction": "lower", "difference": "absolute"},
        {"metric": "mean", "control": mean_arm(30000, 180.0, 60.0), "treatment": mean_arm(30500, 176.0, 58.0), "direction": "lower", "sequential": {"tuning": 10000}},
        {"metric": "mean", "control": mean_arm(1000, 1.0, 0.0), "treatment": mean_arm(900, 1.1, 0.3), "difference": "absolute"},  # one arm constant
        {"metric": "mean", "control": mean_arm(100, 50.0, 10.0), "treatment": mean_arm(100, 50.0, 10.0), "difference": "absolute"},  # no effect
        {"metric": "mean", "control": mean_arm(40, 5.0, 2.0), "treatment": mean_arm(45, 9.0, 2.0), "difference": "absolute"},  # tiny p
    ]
    # random cases over the whole space
    for _ in range(16):
        metric = rng.choice(["proportion", "mean"])
        case = {"metric": str(metric)}
        if metric == "proportion":
            base = float(rng.uniform(0.01, 0.6))
            for arm, lift in (("control", 0.0), ("treatment", float(rng.normal(0, 0.08)))):
                n = int(rng.integers(20, 200000))
                case[arm] = prop_arm(n, int(rng.binomial(n, min(0.99, base * (1 + lift)))))
        else:
            mu, sd = float(rng.uniform(-5, 50)), float(rng.uniform(0.1, 20))
            for arm in ("control", "treatment"):
                n = int(rng.integers(2, 50000))
                case[arm] = mean_arm(n, mu + float(rng.normal(0, sd / 10)), sd * float(rng.uniform(0.5, 2)))
        case["difference"] = str(rng.choice(["absolute", "relative"]))
        case["alpha"] = float(rng.choice([0.01, 0.05, 0.1]))
        case["direction"] = str(rng.choice(["higher", "lower"]))
        if rng.uniform() < 0.4:
            case["sequential"] = {"tuning": float(rng.choice([1000, 5000, 20000]))}
        cases.append(case)
    return cases


# ---------------------------------------------------------------- SRM
def srm_cases():
    cases = [
        {"counts": [5000, 5000], "weights": [0.5, 0.5]},
        {"counts": [5120, 4880], "weights": [0.5, 0.5]},
        {"counts": [5300, 4700], "weights": [1, 1]},
        {"counts": [9100, 900], "weights": [0.9, 0.1]},
        {"counts": [9000, 1100], "weights": [90, 10]},
        {"counts": [3400, 3300, 3250], "weights": [1, 1, 1]},
        {"counts": [100, 230, 680], "weights": [0.1, 0.2, 0.7]},
        {"counts": [100000, 101500], "weights": [0.5, 0.5]},
        {"counts": [12, 3], "weights": [0.5, 0.5]},
        {"counts": [250, 240, 260, 249, 251], "weights": [0.2, 0.2, 0.2, 0.2, 0.2]},
    ]
    out = []
    for c in cases:
        w = np.array(c["weights"], float)
        obs = np.array(c["counts"], float)
        exp = w / w.sum() * obs.sum()
        res = stats.chisquare(obs, f_exp=exp)
        out.append({"input": c, "expected": {"statistic": float(res.statistic), "pValue": float(res.pvalue), "df": len(obs) - 1, "mismatch": bool(res.pvalue < 0.001)}})
    return out


# ---------------------------------------------------------------- power
def power_cases(ab):
    out = []
    for i, (case, exp) in enumerate(ab):
        if i % 3:
            continue
        alpha = case.get("alpha", 0.05)
        seq = case.get("sequential")
        tuning = None if seq is None else seq.get("tuning", DEFAULT_TUNING)
        n = case["control"]["n"] + case["treatment"]["n"]
        se = exp["se"]
        s2 = se * se * n
        zb = stats.norm.ppf(0.8)

        def mde(m):
            se_m = math.sqrt(s2 / m)
            crit = stats.norm.ppf(1 - alpha / 2) * se_m if tuning is None else seq_halfwidth(se_m, m, alpha, tuning)
            return crit + zb * se_m

        target = 0.37 * mde(n) if i % 2 else 1.7 * mde(n)
        if tuning is None:
            required = s2 * ((stats.norm.ppf(1 - alpha / 2) + zb) / target) ** 2
        else:
            required = math.exp(optimize.brentq(lambda ln: mde(math.exp(ln)) - target, 0, math.log(1e18), xtol=1e-14))
        out.append({"case": i, "targetEffect": target, "trafficRate": 250.0, "expected": {"mde": mde(n), "requiredSampleSize": required}})
    return out


# ---------------------------------------------------------------- distributions
def distribution_cases():
    zs = [0, 0.3, 1, 1.959963984540054, 2.4999, 2.5, 3.7, 6, 9, 15, 25, 35, -0.5, -4]
    ps = [1e-250, 1e-60, 1e-12, 1e-5, 0.001, 0.0242, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9999]
    tc = [[0.5, 1], [2, 1], [2, 2.5], [3, 10], [10, 3], [40, 5], [1.5, 1e3], [5, 1e6], [2, 30.7], [0.01, 1e8], [1e-5, 4], [25, 60]]
    tq = [[0.025, 1], [0.025, 2], [0.025, 5.5], [0.025, 30], [0.025, 1e6], [1e-10, 3], [1e-10, 1e4], [0.4, 7], [0.005, 19.3], [0.05, 1.2]]
    cc = [[0.5, 1], [3.84, 1], [30, 1], [100, 2], [5, 3], [200, 10], [0.1, 10], [50, 49], [1000, 5], [12.5, 4]]
    return {
        "normalSf": [[z, float(stats.norm.sf(z))] for z in zs],
        "normalQuantile": [[p, float(stats.norm.ppf(p))] for p in ps],
        "studentTTwoSidedP": [[t, df, float(2 * stats.t.sf(abs(t), df))] for t, df in tc],
        "studentTUpperQuantile": [[p, df, float(stats.t.isf(p, df))] for p, df in tq],
        "chiSquareSf": [[x, df, float(stats.chi2.sf(x, df))] for x, df in cc],
    }


def main():
    cases = abtest_cases()
    ab = [(c, abtest(c)) for c in cases]
    fixtures = {
        "generator": "make_abtest_fixtures.py (scipy %s, numpy %s)" % (__import__("scipy").__version__, np.__version__),
        "tolerance": 1e-6,
        "distributions": distribution_cases(),
        "abtest": [{"input": c, "expected": e} for c, e in ab],
        "srm": srm_cases(),
        "power": power_cases(ab),
    }
    with open(OUT, "w") as f:
        json.dump(fixtures, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote %s: %d abtest, %d srm, %d power cases" % (OUT, len(ab), len(fixtures["srm"]), len(fixtures["power"])))


if __name__ == "__main__":
    main()
