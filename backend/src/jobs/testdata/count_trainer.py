#!/usr/bin/env python3
"""Test fixture: a trainer that records each run (job id and pid, one line appended to argv[1])
and copies the ONNX file argv[2] as its model, so a test can count how often each job ran."""
import os
import shutil
import sys

with open(sys.argv[1], "a") as runs:
    runs.write(f"{os.environ['MODELWATCH_JOB_ID']} {os.getpid()}\n")
shutil.copy(sys.argv[2], os.path.join(os.environ["MODELWATCH_OUTPUT_DIR"], "model.onnx"))
