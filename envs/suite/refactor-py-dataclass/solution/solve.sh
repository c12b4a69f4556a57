#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
cat > shapes.py <<'PY'
import math
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float


def distance(a: Point, b: Point) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)
PY
cat > test_shapes.py <<'PY'
from shapes import Point, distance

assert distance(Point(0, 0), Point(3, 4)) == 5
print("ok")
PY
