#!/usr/bin/env python3
"""Test fixture for the command runner's cancel path: a "trainer" that never finishes.

Writes its pid and the pid of a child it starts (same process group) to
$MODELWATCH_OUTPUT_DIR/pids, reports progress as JSON lines, logs plain lines to stdout and
stderr, then sleeps until killed. The test cancels the job and checks both processes are gone.
"""
import json
import os
import subprocess
import sys
import time

out = os.environ["MODELWATCH_OUTPUT_DIR"]
child = subprocess.Popen(["sleep", "600"])
with open(os.path.join(out, "pids.tmp"), "w") as f:
    f.write(f"{os.getpid()} {child.pid}\n")
os.replace(os.path.join(out, "pids.tmp"), os.path.join(out, "pids"))
print(f"dataset {os.environ['MODELWATCH_DATASET']}", flush=True)
print(f"cuda {os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')!r}", file=sys.stderr, flush=True)
for epoch in range(1, 100000):
    print(json.dumps({"progress": min(0.99, epoch / 1000), "message": f"epoch {epoch}", "metrics": {"loss": 1 / epoch}}), flush=True)
    print(f"plain log line {epoch}", flush=True)
    time.sleep(0.05)
