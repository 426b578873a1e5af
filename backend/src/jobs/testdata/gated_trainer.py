#!/usr/bin/env python3
"""Test fixture: trains like trainers/simple/train.py once the file named by the job's
params.waitFor exists, so a test can change the model (promote another version) while the
retrain runs. The other params go to the simple trainer."""
import json
import os
import sys
import time

params = json.loads(os.environ.get("MODELWATCH_PARAMS", "") or "{}")
gate = params.pop("waitFor")
os.environ["MODELWATCH_PARAMS"] = json.dumps(params)
while not os.path.exists(gate):
    time.sleep(0.05)
here = os.path.dirname(os.path.abspath(__file__))
simple = os.path.join(here, "..", "..", "..", "..", "trainers", "simple", "train.py")
os.execv(sys.executable, [sys.executable, simple])
