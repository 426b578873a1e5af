#!/usr/bin/env python3
"""Peer of bench/trainer/run.ts: scikit-learn's HistGradientBoostingClassifier on the same data.

Usage: sklearn_peer.py DATA_DIR   (files written by run.ts: meta.json, train_X.f64, train_y.u8,
test_X.f64, test_y.u8; X is column-major float64, NaN = missing). Threads follow
OMP_NUM_THREADS (run.ts sets it). Prints one JSON object.
"""
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss, roc_auc_score


def load(directory, part, rows, features):
    X = np.fromfile(os.path.join(directory, f"{part}_X.f64"), dtype="<f8").reshape(features, rows).T
    y = np.fromfile(os.path.join(directory, f"{part}_y.u8"), dtype=np.uint8).astype(np.int64)
    return np.ascontiguousarray(X), y


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    X, y = load(directory, "train", meta["rows"], meta["features"])
    Xt, yt = load(directory, "test", meta["testRows"], meta["features"])
    p = meta["params"]
    model = HistGradientBoostingClassifier(
        max_iter=p["maxIterations"], learning_rate=p["learningRate"], max_leaf_nodes=p["maxLeaves"],
        min_samples_leaf=p["minSamplesLeaf"], l2_regularization=p["l2Regularization"], max_bins=p["maxBins"],
        early_stopping=p["earlyStopping"], validation_fraction=p["validationFraction"],
        n_iter_no_change=p["nIterNoChange"], random_state=0,
    )
    started = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    proba = model.predict_proba(Xt)[:, 1]
    predict_seconds = time.perf_counter() - started
    print(json.dumps({
        "fitSeconds": fit_seconds,
        "predictSeconds": predict_seconds,
        "auc": float(roc_auc_score(yt, proba)),
        "logLoss": float(log_loss(yt, proba)),
        "iterations": int(model.n_iter_),
        "threads": os.environ.get("OMP_NUM_THREADS", "all"),
        "sklearn": sklearn.__version__,
    }))


if __name__ == "__main__":
    main()
