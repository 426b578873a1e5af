"""The peer's way for bench/drift/run.ts: drift recomputed from the raw rows with SciPy.

Reads the reference rows and the traffic's raw values (float32, row-major, written by
run.ts), then per feature: scipy.stats.ks_2samp (two-sided, method 'auto') and
scipy.stats.wasserstein_distance / reference std (ddof 0), as ModelWatch normalises it.
Prints one JSON object: per-feature results, the time to load the rows and the time to
compute (best of --repeat runs).

    python3 bench/drift/scipy_peer.py <dir> [--repeat 3]
"""
import json
import sys
import time

import numpy as np
from scipy import stats


def main() -> None:
    folder = sys.argv[1]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    with open(f"{folder}/meta.json") as f:
        meta = json.load(f)
    k = meta["features"]
    t0 = time.perf_counter()
    reference = np.fromfile(f"{folder}/reference.f32", dtype=np.float32).reshape(-1, k).astype(np.float64)
    current = np.fromfile(f"{folder}/current.f32", dtype=np.float32).reshape(-1, k).astype(np.float64)
    load_s = time.perf_counter() - t0

    best = float("inf")
    results = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = []
        for j in range(k):
            ref = reference[:, j]
            cur = current[:, j]
            ks = stats.ks_2samp(ref, cur)
            w = stats.wasserstein_distance(ref, cur)
            out.append(
                {
                    "ks": float(ks.statistic),
                    "ksPValue": float(ks.pvalue),
                    "wasserstein": float(w / ref.std()),
                }
            )
        best = min(best, time.perf_counter() - t)
        results = out
    print(
        json.dumps(
            {
                "rows": int(current.shape[0]),
                "referenceRows": int(reference.shape[0]),
                "loadSeconds": load_s,
                "computeSeconds": best,
                "features": results,
                "numpy": np.__version__,
                "scipy": __import__("scipy").__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
