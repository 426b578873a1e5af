#!/usr/bin/env python3
"""ModelWatch reference trainer with numpy only: logistic regression by gradient descent.

Command-runner protocol (the same as trainers/pytorch/train.py):
  env MODELWATCH_DATASET     CSV file with a header row (required)
  env MODELWATCH_OUTPUT_DIR  folder to write into (required; created if missing)
  env MODELWATCH_PARAMS      JSON object (optional):
        label               label column, 0/1 (default "click")
        features            feature columns in the model's declared order
                            (default: every other column not in "ignore")
        ignore              columns to skip, e.g. ["id"] (default [])
        epochs              gradient-descent epochs (default 300)
        lr                  learning rate on standardised features (default 0.5)
        l2                  L2 penalty on the mean log loss (default 1e-4)
        validationFraction  hold-out share for the metrics (default 0.2)
        seed                (default 0)
  stdout: one JSON object per line, {"progress": 0..1, "message": "...", "metrics": {...}}
  files:  model.onnx    one float32 input "features" [batch, n], output "probability" [batch, 1]
          metrics.json  {"auc", "logLoss", "brier", "device", "seconds", "rows", ...}
          profile.json  ModelWatch reference profile (format 1, source "trainer")
  exit:   0 success; 2 bad input (message on stderr and as {"error": ...} on stdout)

The ONNX file is written by a small protobuf encoder below (no `onnx` package needed):
IsNaN → Where(mean) → MatMul → Add → Sigmoid, IR 8, opset 17.
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np

MISSING = {"", "na", "nan", "null", "none", "n/a"}


class InputError(Exception):
    pass


def emit(progress, message, metrics=None):
    line = {"progress": round(float(progress), 4), "message": message, "metrics": metrics or {}}
    print(json.dumps(line), flush=True)


# ---------------------------------------------------------------- data

def load_csv(path, label, features=None, ignore=()):
    import csv

    if not os.path.isfile(path):
        raise InputError(f"MODELWATCH_DATASET: no file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("dataset: the file is empty (a header row is required)")
        if label not in header:
            raise InputError(f'label: column "{label}" not in the header ({", ".join(header)})')
        names = list(features) if features else [h for h in header if h != label and h not in set(ignore)]
        for name in names:
            if name not in header:
                raise InputError(f'features: column "{name}" not in the header')
            if name == label:
                raise InputError(f'features: "{name}" is the label column')
        idx = [header.index(n) for n in names]
        li = header.index(label)
        xs, ys = [], []
        for lineno, row in enumerate(reader, start=2):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise InputError(f"line {lineno}: {len(row)} fields, the header has {len(header)}")
            y = row[li].strip().lower()
            if y in ("1", "true", "1.0"):
                ys.append(1)
            elif y in ("0", "false", "0.0"):
                ys.append(0)
            else:
                raise InputError(f'line {lineno}, column {label}: label "{row[li]}" is not 0 or 1')
            values = []
            for k, i in enumerate(idx):
                v = row[i].strip()
                if v.lower() in MISSING:
                    values.append(math.nan)
                else:
                    try:
                        values.append(float(v))
                    except ValueError:
                        raise InputError(f'line {lineno}, column {names[k]}: "{v}" is not a number')
            xs.append(values)
    X = np.asarray(xs, dtype=np.float64).reshape(len(xs), len(names))
    y = np.asarray(ys, dtype=np.int64)
    if len(y) == 0 or y.min() == y.max():
        raise InputError("labels: both classes (0 and 1) must occur to train a classifier")
    return names, X, y


def stratified_split(y, fraction, seed):
    rng = np.random.default_rng(seed)
    train, valid = [], []
    for cls in (0, 1):
        members = np.flatnonzero(y == cls)
        members = members[rng.permutation(len(members))]
        n_valid = int(round(len(members) * fraction))
        if fraction > 0 and len(members) >= 2:
            n_valid = min(len(members) - 1, max(1, n_valid))
        valid.append(members[:n_valid])
        train.append(members[n_valid:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))


# ---------------------------------------------------------------- metrics

def roc_auc(y, s):
    """Mann–Whitney AUC with ties counted half (midranks)."""
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    n = len(s)
    while i < n:
        j = i
        while j + 1 < n and s_sorted[j + 1] == s_sorted[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y == 1
    m, k = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - m * (m + 1) / 2) / (m * k))


def log_loss(y, p, eps=1e-15):
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(y, p):
    return float(np.mean((p - y) ** 2))


def profile(names, X, scores, seed=0x5EED, bins=10, sample_size=1000):
    """ModelWatch reference profile (backend/src/monitor/profile-types.ts, format 1)."""
    rng = np.random.default_rng(seed)
    features = []
    for j, name in enumerate(names):
        col = X[:, j]
        present = col[np.isfinite(col)]
        missing = int(len(col) - len(present))
        if len(present) == 0:
            return None  # no layout for an all-missing feature
        srt = np.sort(present)
        edges = []
        for q in range(bins + 1):
            e = float(srt[-1]) if q == bins else float(np.quantile(srt, q / bins))
            if not edges or e > edges[-1]:
                edges.append(e)
        if len(edges) == 1:
            edges.append(edges[0])
        k = len(edges) - 1
        slots = np.minimum(np.searchsorted(np.asarray(edges), present, side="right"), k)
        slots[present < edges[0]] = 0
        slots[present > edges[-1]] = k + 1
        counts = np.bincount(slots, minlength=k + 3)[: k + 3].astype(int).tolist()
        counts[k + 2] = missing
        take = min(sample_size, len(present))
        sample = rng.choice(present, size=take, replace=False) if take else []
        features.append({
            "name": name, "type": "numeric", "edges": edges, "counts": counts,
            "total": int(len(col)), "mean": float(present.mean()), "std": float(present.std()),
            "min": float(srt[0]), "max": float(srt[-1]), "sample": [float(v) for v in sample],
        })
    score_counts = [0] * 11
    for p in scores:
        if not math.isfinite(p):
            score_counts[10] += 1
        else:
            score_counts[min(9, max(0, int(math.floor(p * 10))))] += 1
    return {
        "format": 1, "source": "trainer", "rows": int(X.shape[0]),
        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "features": features,
        "score": {"edges": [i / 10 for i in range(11)], "counts": score_counts},
    }


# ---------------------------------------------------------------- ONNX (hand-written protobuf)

def _varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _int(field, value):
    return _key(field, 0) + _varint(value)


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _key(field, 2) + _varint(len(data)) + data


def _tensor(name, dims, values):
    raw = np.asarray(values, dtype="<f4").tobytes()
    body = b"".join(_int(1, d) for d in dims) + _int(2, 1) + _bytes(8, name) + _bytes(9, raw)
    return body  # TensorProto: dims=1, data_type=2 (FLOAT=1), name=8, raw_data=9


def _value_info(name, inner_dims):
    dims = _bytes(1, _bytes(2, "batch")) + b"".join(_bytes(1, _int(1, d)) for d in inner_dims)
    tensor_type = _int(1, 1) + _bytes(2, dims)  # elem_type FLOAT, shape
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))  # ValueInfoProto: name, type.tensor_type


def _node(op, inputs, outputs):
    return (b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
            + _bytes(3, outputs[0]) + _bytes(4, op))


def logistic_onnx(weights, intercept, impute, names):
    n = len(weights)
    nodes = [
        _node("IsNaN", ["features"], ["missing"]),
        _node("Where", ["missing", "impute_values", "features"], ["imputed"]),
        _node("MatMul", ["imputed", "weights"], ["linear"]),
        _node("Add", ["linear", "intercept"], ["logit"]),
        _node("Sigmoid", ["logit"], ["probability"]),
    ]
    inits = [
        _tensor("impute_values", [n], impute),
        _tensor("weights", [n, 1], weights),
        _tensor("intercept", [1], [intercept]),
    ]
    graph = (b"".join(_bytes(1, nd) for nd in nodes) + _bytes(2, "modelwatch_simple_logistic")
             + b"".join(_bytes(5, t) for t in inits)
             + _bytes(11, _value_info("features", [n])) + _bytes(12, _value_info("probability", [1])))
    meta = _bytes(1, "feature_names") + _bytes(2, json.dumps(names))
    return (_int(1, 8) + _bytes(2, "modelwatch-simple-trainer") + _bytes(3, "1") + _bytes(7, graph)
            + _bytes(8, _bytes(1, "") + _int(2, 17)) + _bytes(14, meta))


# ---------------------------------------------------------------- training

def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def read_params():
    raw = os.environ.get("MODELWATCH_PARAMS", "").strip() or "{}"
    try:
        params = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(f"MODELWATCH_PARAMS: not JSON ({e})")
    if not isinstance(params, dict):
        raise InputError("MODELWATCH_PARAMS: must be a JSON object")
    defaults = {"label": "click", "features": None, "ignore": [], "epochs": 300, "lr": 0.5, "l2": 1e-4,
                "validationFraction": 0.2, "seed": 0}
    unknown = set(params) - set(defaults)
    if unknown:
        raise InputError(f"MODELWATCH_PARAMS: unknown parameter(s) {sorted(unknown)}")
    p = {**defaults, **params}
    if not (isinstance(p["epochs"], int) and p["epochs"] >= 1):
        raise InputError("MODELWATCH_PARAMS.epochs: an integer >= 1")
    if not (isinstance(p["lr"], (int, float)) and p["lr"] > 0):
        raise InputError("MODELWATCH_PARAMS.lr: a number > 0")
    if not (0 < p["validationFraction"] < 1):
        raise InputError("MODELWATCH_PARAMS.validationFraction: in (0, 1)")
    return p


def fail(message, code):
    """Ends the run the protocol's way: a JSON error line on stdout, the message on stderr."""
    print(json.dumps({"error": message}), flush=True)
    print(f"error: {message}", file=sys.stderr)
    return code


def read_inputs(read_params):
    """The protocol's inputs: output folder, params (checked by `read_params`) and the dataset.
    Raises InputError naming what is wrong."""
    dataset = os.environ.get("MODELWATCH_DATASET")
    out_dir = os.environ.get("MODELWATCH_OUTPUT_DIR")
    if not dataset:
        raise InputError("MODELWATCH_DATASET is not set")
    if not out_dir:
        raise InputError("MODELWATCH_OUTPUT_DIR is not set")
    p = read_params()
    emit(0.0, f"loading {os.path.basename(dataset)}")
    names, X, y = load_csv(dataset, p["label"], p["features"], p["ignore"])
    return out_dir, p, names, X, y


def main():
    started = time.time()
    try:
        out_dir, p, names, X, y = read_inputs(read_params)
    except InputError as e:
        return fail(str(e), 2)

    train, valid = stratified_split(y, p["validationFraction"], p["seed"])
    Xt, yt = X[train], y[train]
    mean = np.nanmean(np.where(np.isfinite(Xt), Xt, np.nan), axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.nanstd(np.where(np.isfinite(Xt), Xt, np.nan), axis=0)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)

    def standardise(A):
        A = np.where(np.isnan(A), mean, A)
        return (A - mean) / std

    Z = standardise(Xt)
    w = np.zeros(Z.shape[1])
    b = math.log(yt.mean() / (1 - yt.mean()))
    epochs, lr, l2 = p["epochs"], float(p["lr"]), float(p["l2"])
    every = max(1, epochs // 20)
    emit(0.05, f"training logistic regression on {len(train)} rows, {len(names)} features")
    for epoch in range(1, epochs + 1):
        prob = sigmoid(Z @ w + b)
        r = prob - yt
        w -= lr * (Z.T @ r / len(yt) + l2 * w)
        b -= lr * r.mean()
        if epoch % every == 0 or epoch == epochs:
            loss = log_loss(yt, sigmoid(Z @ w + b))
            emit(0.05 + 0.85 * epoch / epochs, f"epoch {epoch}/{epochs}", {"loss": loss})

    # Raw-scale, float32 parameters (what the ONNX file holds); predict with them.
    weights = (w / std).astype(np.float32)
    intercept = np.float32(b - np.sum(w * mean / std))
    impute = mean.astype(np.float32)

    def predict(A):
        A32 = np.where(np.isnan(A), impute, A.astype(np.float32)).astype(np.float64)
        return sigmoid(A32 @ weights.astype(np.float64) + float(intercept))

    pv = predict(X[valid])
    metrics = {
        "auc": roc_auc(y[valid], pv), "logLoss": log_loss(y[valid], pv), "brier": brier(y[valid], pv),
        "device": "cpu", "seconds": 0.0, "rows": int(len(y)), "trainRows": int(len(train)),
        "validationRows": int(len(valid)), "features": len(names), "featureNames": names,
        "algorithm": "logistic_regression_gd", "params": p,
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(logistic_onnx(weights.tolist(), float(intercept), impute.tolist(), names))
    prof = profile(names, X, pv)
    if prof is not None:
        with open(os.path.join(out_dir, "profile.json"), "w") as f:
            json.dump(prof, f)
    metrics["seconds"] = round(time.time() - started, 3)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    emit(1.0, "done", {"auc": metrics["auc"], "logLoss": metrics["logLoss"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
