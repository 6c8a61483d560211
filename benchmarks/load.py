#!/usr/bin/env python3
"""Load time and first run: what a test suite's first test and `asl run` pay before the hot path.

  python benchmarks/load.py                 # both workloads, medians of fresh processes
  python benchmarks/load.py --repeat 9

- load: `StateMachine(definition)` (validate + compile) of the 1,000-state `pass-chain` and
  `pass-chain-jsonata` definitions, in a fresh process each repeat (the first load, as a CLI or a
  test session sees it) and again in that process (warm).
- first-run: in a fresh process, the first `run()` of the 1,000-state Pass chain against the
  median of the next five (warm); the ratio is first / warm.

Never collected by pytest; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import json, sys, time
sys.path.insert(0, %(root)r); sys.path.insert(1, %(here)r)
import workloads as W
t0 = time.perf_counter()
import asl_runtime
imported = time.perf_counter() - t0
case = W.BY_NAME[%(name)r].build(1000)
t = time.perf_counter(); sm = asl_runtime.StateMachine(case.definition); first_load = time.perf_counter() - t
t = time.perf_counter(); asl_runtime.StateMachine(case.definition); warm_load = time.perf_counter() - t
t = time.perf_counter(); sm.run(case.input); first_run = time.perf_counter() - t
warm = []
for _ in range(5):
    t = time.perf_counter(); sm.run(case.input); warm.append(time.perf_counter() - t)
warm.sort()
print(json.dumps({"import": imported, "first_load": first_load, "warm_load": warm_load,
                  "first_run": first_run, "warm_run": warm[len(warm) // 2]}))
"""


def fresh(name: str) -> dict:
    code = CHILD % {"root": ROOT, "here": HERE, "name": name}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'workload':20s} {'first load':>11s} {'warm load':>10s} {'first run':>10s} {'warm run':>9s} "
          f"{'first/warm run':>15s}")
    for name in ("pass-chain", "pass-chain-jsonata"):
        runs = [fresh(name) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        ratio = statistics.median(r["first_run"] / r["warm_run"] for r in runs)
        print(f"{name:20s} {med['first_load'] * 1000:9.1f}ms {med['warm_load'] * 1000:8.1f}ms "
              f"{med['first_run'] * 1000:8.1f}ms {med['warm_run'] * 1000:7.1f}ms {ratio:14.2f}x")


if __name__ == "__main__":
    main()
