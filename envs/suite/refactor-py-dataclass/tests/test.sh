#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
python3 test_shapes.py
python3 -c '
import dataclasses
from shapes import Point, distance
assert dataclasses.is_dataclass(Point)
assert distance(Point(1, 1), Point(4, 5)) == 5
assert [f.name for f in dataclasses.fields(Point)] == ["x", "y"]'
echo 1 >/logs/verifier/reward.txt
