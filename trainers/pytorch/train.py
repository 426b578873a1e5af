#!/usr/bin/env python3
"""ModelWatch reference GPU trainer: a small MLP click model in PyTorch, exported to ONNX.

Command-runner protocol (see README.md):
  env MODELWATCH_DATASET     CSV file with a header row (required)
  env MODELWATCH_OUTPUT_DIR  folder to write into (required; created if missing)
  env MODELWATCH_PARAMS      JSON object (optional): label ("click"), features, ignore ([]),
                             epochs (10), lr (1e-3), hidden ([64, 32]), batchSize (4096),
                             weightDecay (0), validationFraction (0.2), seed (0)
  stdout: JSON lines {"progress": 0..1, "message": "epoch 4/10", "metrics": {"loss": 0.31}}
  files:  model.onnx (input "features" float32 [batch, n], output "probability" [batch, 1]),
          metrics.json (auc, logLoss, brier, device, seconds, ...), profile.json
  exit:   0 success; 2 bad input; 3 PyTorch not installed

Uses CUDA when torch.cuda.is_available() (the runner picks the GPU with CUDA_VISIBLE_DEVICES).
Importing this file needs only the standard library and numpy; torch is imported in main().
Missing values: imputed with the training mean inside the exported graph (IsNaN/Where), and
standardisation is part of the graph too, so the ONNX model takes raw feature values.
"""
import json
import math
import os
import sys
import time

import numpy as np



def _load_shared():
    """The data, metric and profile helpers of the numpy-only trainer (../simple/train.py)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "simple", "train.py")
    sys.dont_write_bytecode = True  # leave no __pycache__ in the trainers folder
    spec = importlib.util.spec_from_file_location("modelwatch_simple_trainer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_shared = _load_shared()
InputError, brier, emit, fail = _shared.InputError, _shared.brier, _shared.emit, _shared.fail
log_loss, profile, read_inputs = _shared.log_loss, _shared.profile, _shared.read_inputs
roc_auc, stratified_split = _shared.roc_auc, _shared.stratified_split

DEFAULTS = {"label": "click", "features": None, "ignore": [], "epochs": 10, "lr": 1e-3, "hidden": [64, 32],
            "batchSize": 4096, "weightDecay": 0.0, "validationFraction": 0.2, "seed": 0}


def read_params():
    raw = os.environ.get("MODELWATCH_PARAMS", "").strip() or "{}"
    try:
        params = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(f"MODELWATCH_PARAMS: not JSON ({e})")
    if not isinstance(params, dict):
        raise InputError("MODELWATCH_PARAMS: must be a JSON object")
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise InputError(f"MODELWATCH_PARAMS: unknown parameter(s) {sorted(unknown)}")
    p = {**DEFAULTS, **params}
    if not (isinstance(p["epochs"], int) and p["epochs"] >= 1):
        raise InputError("MODELWATCH_PARAMS.epochs: an integer >= 1")
    if not (isinstance(p["lr"], (int, float)) and p["lr"] > 0):
        raise InputError("MODELWATCH_PARAMS.lr: a number > 0")
    if isinstance(p["hidden"], int):
        p["hidden"] = [p["hidden"]]
    if not (isinstance(p["hidden"], list) and all(isinstance(h, int) and h > 0 for h in p["hidden"])):
        raise InputError("MODELWATCH_PARAMS.hidden: a positive integer or a list of them")
    if not (isinstance(p["batchSize"], int) and p["batchSize"] >= 1):
        raise InputError("MODELWATCH_PARAMS.batchSize: an integer >= 1")
    if not (0 < p["validationFraction"] < 1):
        raise InputError("MODELWATCH_PARAMS.validationFraction: in (0, 1)")
    return p


def build_model(torch, n_features, hidden, mean, std):
    nn = torch.nn

    class ClickModel(nn.Module):
        """Raw features → impute (mean) → standardise → MLP → sigmoid probability [batch, 1]."""

        def __init__(self):
            super().__init__()
            self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
            layers, width = [], n_features
            for h in hidden:
                layers += [nn.Linear(width, h), nn.ReLU()]
                width = h
            layers.append(nn.Linear(width, 1))
            self.mlp = nn.Sequential(*layers)

        def logits(self, x):
            x = torch.where(torch.isnan(x), self.mean.expand_as(x), x)
            return self.mlp((x - self.mean) / self.std)

        def forward(self, x):
            return torch.sigmoid(self.logits(x))

    return ClickModel()


def export_onnx(torch, model, n_features, path):
    import inspect

    model = model.cpu().eval()
    example = torch.zeros(2, n_features, dtype=torch.float32)
    kwargs = dict(input_names=["features"], output_names=["probability"],
                  dynamic_axes={"features": {0: "batch"}, "probability": {0: "batch"}}, opset_version=17)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: no onnxscript needed
    with torch.no_grad():
        torch.onnx.export(model, (example,), path, **kwargs)


def main():
    started = time.time()
    try:
        import torch
    except ImportError:
        return fail("PyTorch is not installed: install torch (with CUDA for GPUs) to use this trainer", 3)
    try:
        out_dir, p, names, X, y = read_inputs(read_params)
    except InputError as e:
        return fail(str(e), 2)

    torch.manual_seed(p["seed"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device_name = f"cuda:{torch.cuda.current_device()} ({torch.cuda.get_device_name()})" if device.type == "cuda" else "cpu"

    train, valid = stratified_split(y, p["validationFraction"], p["seed"])
    Xt = X[train]
    finite = np.where(np.isfinite(Xt), Xt, np.nan)
    mean = np.nan_to_num(np.nanmean(finite, axis=0))
    std = np.nanstd(finite, axis=0)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)

    model = build_model(torch, len(names), p["hidden"], mean, std).to(device)
    # Data stays on the device; rows are shuffled per epoch by index.
    xt = torch.tensor(np.where(np.isinf(Xt), np.nan, Xt), dtype=torch.float32, device=device)
    yt = torch.tensor(y[train], dtype=torch.float32, device=device).unsqueeze(1)
    optimiser = torch.optim.Adam(model.parameters(), lr=float(p["lr"]), weight_decay=float(p["weightDecay"]))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator(device="cpu").manual_seed(p["seed"])
    epochs, batch = p["epochs"], p["batchSize"]
    emit(0.05, f"training on {device_name}: {len(train)} rows, {len(names)} features")
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(train), generator=generator).to(device)
        total, seen = 0.0, 0
        for start in range(0, len(train), batch):
            idx = order[start:start + batch]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model.logits(xt[idx]), yt[idx])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        emit(0.05 + 0.85 * epoch / epochs, f"epoch {epoch}/{epochs}", {"loss": total / seen})

    model.eval()
    with torch.no_grad():
        xv = torch.tensor(np.where(np.isinf(X[valid]), np.nan, X[valid]), dtype=torch.float32, device=device)
        pv = model(xv).squeeze(1).double().cpu().numpy()
    yv = y[valid]
    os.makedirs(out_dir, exist_ok=True)
    export_onnx(torch, model, len(names), os.path.join(out_dir, "model.onnx"))
    prof = profile(names, X, pv)
    if prof is not None:
        with open(os.path.join(out_dir, "profile.json"), "w") as f:
            json.dump(prof, f)
    metrics = {
        "auc": roc_auc(yv, pv), "logLoss": log_loss(yv, pv), "brier": brier(yv, pv),
        "device": device_name, "seconds": round(time.time() - started, 3), "rows": int(len(y)),
        "trainRows": int(len(train)), "validationRows": int(len(valid)), "features": len(names),
        "featureNames": names, "algorithm": "pytorch_mlp", "params": p, "torch": torch.__version__,
    }
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    emit(1.0, "done", {"auc": metrics["auc"], "logLoss": metrics["logLoss"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
