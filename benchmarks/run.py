#!/usr/bin/env python3
"""asl-runtime benchmarks: fixed workloads, three engines, medians.

  python benchmarks/run.py                          # all workloads on asl-runtime
  python benchmarks/run.py --engine asl,moto,yardstick --json figures.json
  python benchmarks/run.py --only pass-chain --repeat 9
  python benchmarks/run.py --profile --only pass-chain,choice-loop,map,startup
  python benchmarks/run.py --importtime

Transitions = the StateEntered events of the execution's history (for the yardstick, which keeps
no history: the states it entered).  Peak memory is the tracemalloc peak of one extra, untimed
run ("heap"), except for the workloads that run in a fresh process (startup, map-100k), where it
is that process's peak RSS (VmHWM; "rss").  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workloads as W  # noqa: E402
import yardstick  # noqa: E402

PROCESS_WORKLOADS = ("startup", "map-100k")  # measured in a fresh process each repeat
#: Fresh processes read and write bytecode here, as an installed package would have it cached
#: (this repo's environment sets PYTHONDONTWRITEBYTECODE, which would make every start compile
#: asl-runtime from source).  A private prefix keeps .pyc files out of the source tree.
PYCACHE = os.path.join(tempfile.gettempdir(), "asl-benchmarks-pycache")


def process_env(bytecode_cache: bool = True) -> dict:
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "asl-benchmarks-no-pycache")
    return env


class NotAvailable(Exception):
    """The engine cannot run this workload (reported, not fatal)."""


def count_entered(events) -> int:
    """The one definition of a transition: a StateEntered event in AWS-shaped history."""
    return sum(1 for e in events if e["type"].endswith("StateEntered"))


# --------------------------------------------------------------------------- engines
class AslEngine:
    name = "asl"

    def size(self, workload):
        return workload.size

    def compile(self, case, label):
        from asl_runtime import StateMachine
        try:
            return StateMachine.from_json(case.definition, name=label)
        except ImportError as exc:  # a query language not wired in yet (JSONata)
            raise NotAvailable(f"not available: {exc}") from None

    def run(self, machine, case):
        """Returns (seconds, result)."""
        data = copy.deepcopy(case.input)
        start = time.perf_counter()
        result = machine.run(data, handlers=case.handlers, state_machine_type=case.state_machine_type)
        return time.perf_counter() - start, result

    def check(self, result):
        if result.status != "SUCCEEDED":
            raise RuntimeError(f"{result.status}: {result.error}: {(result.cause or '')[:200]}")
        return count_entered(result.history)

    def process_command(self, def_path, input_path, case):
        exe = shutil.which("asl", path=os.path.dirname(sys.executable)) or shutil.which("asl")
        cmd = [exe] if exe else [sys.executable, "-c", "from asl_runtime.cli.main import entry; entry()"]
        return cmd + ["run", def_path, "--input-file", input_path, "--format", "json"]


class YardstickEngine:
    name = "yardstick"

    def size(self, workload):
        return workload.size

    def compile(self, case, label):
        why = yardstick.supports(case.definition)
        if why:
            raise NotAvailable(why)
        return case.definition

    def run(self, definition, case):
        data = copy.deepcopy(case.input)
        start = time.perf_counter()
        result = yardstick.run(definition, data, case.handlers)
        return time.perf_counter() - start, result

    def check(self, result):
        return result[1]

    def process_command(self, def_path, input_path, case):
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import yardstick; "
                "output, _ = yardstick.run(json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))); "
                "print('SUCCEEDED', json.dumps(output))")
        return [sys.executable, "-c", code, HERE, def_path, input_path]


class MotoEngine:
    """moto's Step Functions interpreter, driven through boto3 as a user would."""

    name = "moto"
    poll = 0.002

    def __init__(self):
        os.environ.update(MOTO_ACCOUNT_ID=W.ACCOUNT, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                          AWS_DEFAULT_REGION=W.REGION)
        try:
            import boto3  # noqa: F401
            from moto import mock_aws
        except ImportError as exc:
            raise SystemExit(f"the moto engine needs moto and boto3: pip install '.[test]' ({exc})")
        import logging
        logging.disable(logging.CRITICAL)  # moto's interpreter logs every evaluation failure
        self.mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self.mock.start()
        self.sfn = None
        self.handlers = {}
        self._serial = 0

    def size(self, workload):
        return workload.moto_size

    def _lambdas(self, handlers):
        """Serve the Task's Lambda functions from Python handlers (moto would start docker)."""
        import io
        import zipfile

        import boto3
        from moto.awslambda import models as lm

        self.handlers.update(handlers)
        engine_handlers = self.handlers

        def _invoke_lambda(fn, event=None):
            if isinstance(event, (str, bytes)):
                event = json.loads(event)
            return json.dumps(engine_handlers[fn.function_name](event, None)), False, ""

        lm.LambdaFunction._invoke_lambda = _invoke_lambda
        role = boto3.client("iam", region_name=W.REGION).create_role(
            RoleName="bench-lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("handler.py", "def handler(event, context):\n    return event\n")
        lam = boto3.client("lambda", region_name=W.REGION)
        for name in handlers:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                Handler="handler.handler", Code={"ZipFile": buf.getvalue()})

    def compile(self, case, label):
        if case.definition.get("QueryLanguage") == "JSONata":
            raise NotAvailable("moto evaluates JSONata through a JVM bridge that is not installed")
        # A fresh backend per execution: moto deep-copies the state machine, and with it the whole
        # backend, at StartExecution, which fails once any execution (threads, locks) is stored.
        import boto3
        self.mock.stop()
        self.mock.start()
        self.sfn = boto3.client("stepfunctions", region_name=W.REGION)
        if case.handlers:
            self._lambdas(case.handlers)
        self._serial += 1
        arn = self.sfn.create_state_machine(
            name=f"{label}-{self._serial}", definition=json.dumps(case.definition),
            roleArn=f"arn:aws:iam::{W.ACCOUNT}:role/bench", type=case.state_machine_type)["stateMachineArn"]
        return arn

    def run(self, arn, case):
        self._serial += 1
        body = json.dumps(case.input)
        start = time.perf_counter()
        ex = self.sfn.start_execution(stateMachineArn=arn, name=f"run-{self._serial}", input=body)
        while True:
            d = self.sfn.describe_execution(executionArn=ex["executionArn"])
            if d["status"] != "RUNNING":
                break
            time.sleep(self.poll)
        return time.perf_counter() - start, d

    def check(self, result):
        if result["status"] != "SUCCEEDED":
            raise RuntimeError(f"{result['status']}: {result.get('error')}: {str(result.get('cause'))[:200]}")
        events = []
        for page in self.sfn.get_paginator("get_execution_history").paginate(executionArn=result["executionArn"]):
            events += page["events"]
        return count_entered(events)

    def process_command(self, def_path, input_path, case):
        code = """
import json, os, sys, time
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
import boto3
from moto import mock_aws
with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(name="startup", definition=open(sys.argv[1]).read(),
                                   roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, input=open(sys.argv[2]).read())
    while (d := sfn.describe_execution(executionArn=ex["executionArn"]))["status"] == "RUNNING":
        time.sleep(0.002)
    print(d["status"], d.get("output"))
"""
        return [sys.executable, "-c", code, def_path, input_path]


ENGINES = {"asl": AslEngine, "yardstick": YardstickEngine, "moto": MotoEngine}


# --------------------------------------------------------------------------- measuring
def measure(engine, workload, repeat):
    """One row of the results table (a dict)."""
    size = engine.size(workload)
    row = {"workload": workload.name, "engine": engine.name, "size": size, "unit": workload.unit}
    if size is None:
        row["note"] = f"skipped: {workload.moto_note or 'too slow for this engine'}"
        return row
    if workload.name in PROCESS_WORKLOADS:
        return measure_process(engine, workload, size, repeat, row)
    case = workload.build(size)
    label = workload.name
    try:
        machine = engine.compile(case, label)
    except NotAvailable as exc:
        row["note"] = str(exc)
        return row
    try:
        _seconds, result = engine.run(machine, case)  # warm-up, and the transition count
        row["transitions"] = engine.check(result)
    except RuntimeError as exc:
        row["note"] = f"failed: {exc}"
        return row
    # Each run starts from the same heap: the last run's result (and its history) is dropped
    # first, and what the process already holds (other engines, moto's modules) is frozen out
    # of the collector's reach, so a run pays only for the garbage collection of its own objects.
    result = None
    runs, compiles = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        machine = engine.compile(case, label)
        compiles.append(time.perf_counter() - start)
        result = None
        gc.collect()
        gc.freeze()
        try:
            seconds, result = engine.run(machine, case)
        finally:
            gc.unfreeze()
        runs.append(seconds)
    result = None
    machine = engine.compile(case, label)  # moto cannot start a second execution of a machine
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    engine.run(machine, case)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    row.update(runs_s=runs, median_s=statistics.median(runs), min_s=min(runs),
               compile_median_s=statistics.median(compiles),
               memory={"kind": "heap", "bytes": peak})
    row["transitions_per_s"] = row["transitions"] / row["median_s"]
    return row


def measure_process(engine, workload, size, repeat, row):
    """Fresh-process workloads: `asl run` start-up, and the 100,000-item Map's peak RSS."""
    case = workload.build(size)
    if engine.name == "moto" and workload.name != "startup":
        row["note"] = "skipped"
        return row
    runs, peaks, transitions = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        def_path, input_path = os.path.join(tmp, "definition.json"), os.path.join(tmp, "input.json")
        with open(def_path, "w") as fh:
            json.dump(case.definition, fh)
        with open(input_path, "w") as fh:
            json.dump(case.input, fh)
        if workload.name == "startup":
            cmd = engine.process_command(def_path, input_path, case)
            transitions = 3
        else:
            cmd = [sys.executable, os.path.abspath(__file__), "--_child", workload.name, "--engine", engine.name]
        run_process(cmd, tmp)  # warm-up: fills the bytecode cache and the OS file cache
        if workload.name == "startup":
            peaks.append(process_peak_rss(cmd, tmp))
        if workload.name == "startup" and engine.name == "asl":  # also: no bytecode cache at all (every import compiles)
            row["no_bytecode_cache_median_s"] = statistics.median(
                run_process(cmd, tmp, bytecode_cache=False)[1] for _ in range(repeat))
            row["python_baseline_median_s"] = statistics.median(  # the floor: `python -c pass`
                run_process([sys.executable, "-c", "pass"], tmp)[1] for _ in range(repeat))
        for _ in range(repeat):
            code, seconds, out, err = run_process(cmd, tmp)
            if code != 0:
                row["note"] = f"failed (exit {code}): {err[-300:]}"
                return row
            if workload.name == "startup":
                if "SUCCEEDED" not in out:
                    row["note"] = f"failed: {(out or err)[-300:]}"
                    return row
                runs.append(seconds)
            else:
                child = json.loads(out)
                if child.get("note"):
                    row["note"] = child["note"]
                    return row
                runs.append(child["seconds"])
                peaks.append(child["rss_peak_bytes"])
                transitions = child["transitions"]
                row["rss_before_run_bytes"] = child["rss_before_bytes"]
    row.update(transitions=transitions, runs_s=runs, median_s=statistics.median(runs),
               transitions_per_s=None if workload.name == "startup" else transitions / statistics.median(runs),
               memory={"kind": "rss", "bytes": max(p for p in peaks if p is not None) if any(peaks) else None})
    return row


def peak_rss_bytes() -> int:
    """This process's peak RSS.  VmHWM, not getrusage: ru_maxrss carries the RSS of the parent
    that forked us across exec, so a child of a big benchmark process would report the parent's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


#: Runs a Python command in-process and prints its peak RSS (VmHWM) to stderr at exit.
_RSS_WRAPPER = r"""
import atexit, os, runpy, sys

def report():
    with open("/proc/self/status") as fh:
        peak = [line.split()[1] for line in fh if line.startswith("VmHWM:")]
    os.write(2, ("\nPEAK_RSS_KIB=%s\n" % peak[0]).encode())

atexit.register(report)
cmd = sys.argv[1:]
if cmd[0] == "-c":
    sys.argv = ["-c"] + cmd[2:]
    exec(compile(cmd[1], "<string>", "exec"), {"__name__": "__main__"})
else:
    sys.argv = cmd
    runpy.run_path(cmd[0], run_name="__main__")
"""


def process_peak_rss(cmd, tmp):
    """Peak RSS of one more (untimed) run of a Python command."""
    args = cmd[1:] if cmd[0] == sys.executable else cmd
    if not os.path.exists("/proc/self/status"):
        return None
    _code, _seconds, _out, err = run_process([sys.executable, "-c", _RSS_WRAPPER] + args, tmp)
    for line in err.splitlines():
        if line.startswith("PEAK_RSS_KIB="):
            return int(line.split("=")[1]) * 1024
    return None


def run_process(cmd, tmp, bytecode_cache=True):
    """Run cmd to its end; returns (exit code, wall seconds, stdout, stderr)."""
    with open(os.path.join(tmp, "stdout"), "w+b") as out, open(os.path.join(tmp, "stderr"), "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=process_env(bytecode_cache))
        code = proc.wait()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return code, seconds, out.read().decode(), err.read().decode()


def child_main(name, engine_name):
    """--_child: run one workload once in this fresh process and report time and peak RSS."""
    workload = W.BY_NAME[name]
    engine = ENGINES[engine_name]()
    case = workload.build(workload.size)
    try:
        machine = engine.compile(case, name)
    except NotAvailable as exc:
        print(json.dumps({"note": str(exc)}))
        return
    before = peak_rss_bytes()
    seconds, result = engine.run(machine, case)
    peak = peak_rss_bytes()
    print(json.dumps({"seconds": seconds, "rss_peak_bytes": peak, "rss_before_bytes": before,
                      "transitions": engine.check(result)}))


# --------------------------------------------------------------------------- targets
def targets(rows):
    """The issue's targets, as (target, figure, met) rows, for what was measured."""
    get = {(r["workload"], r["engine"]): r for r in rows if r.get("median_s") is not None}
    out = []

    def tps(w, e):
        r = get.get((w, e))
        return r and r["transitions_per_s"]

    for w, floor in (("pass-chain", 58_000), ("choice-loop", 98_000)):
        if tps(w, "asl"):
            out.append((f"{w}: >= {floor:,} transitions/s (2x Node)", f"{tps(w, 'asl'):,.0f}/s", tps(w, "asl") >= floor))
        if tps(w, "asl") and tps(w, "moto"):
            ratio = tps(w, "asl") / tps(w, "moto")
            out.append((f"{w}: >= 100x moto's transitions/s", f"{ratio:,.0f}x", ratio >= 100))
    if get.get(("map", "asl")) and get[("map", "asl")]["size"] == 10_000:
        s = get[("map", "asl")]["median_s"]
        out.append(("map: 10,000 items in < 0.1 s", f"{s:.3f} s", s < 0.1))
    for w in ("pass-chain", "choice-loop", "map", "parallel", "tasks"):
        if tps(w, "asl") and tps(w, "yardstick"):
            ratio = tps(w, "yardstick") / tps(w, "asl")
            out.append((f"{w}: within 3x of the yardstick", f"{ratio:.2f}x slower", round(ratio, 2) <= 3))
    # "Well under" is read as at most half the bound.
    if get.get(("startup", "asl")):
        s = get[("startup", "asl")]["median_s"]
        out.append(("startup: `asl run` well under 0.5 s (<= 0.25 s)", f"{s:.3f} s", s <= 0.25))
    r = get.get(("map-100k", "asl"))
    if r and r["memory"]["bytes"]:
        out.append(("map-100k: peak RSS well under 1 GiB (<= 512 MiB)", f"{r['memory']['bytes'] / 2**20:,.0f} MiB",
                    r["memory"]["bytes"] <= 2**29))
    return out


# --------------------------------------------------------------------------- output
def _fmt_mem(mem):
    if not mem or mem.get("bytes") is None:
        return "-"
    return f"{mem['bytes'] / 2**20:,.1f} MiB {mem['kind']}"


def print_table(rows):
    head = ("workload", "engine", "size", "transitions", "median s", "transitions/s", "peak memory", "compile s")
    lines = []
    for r in rows:
        if r.get("median_s") is None:
            lines.append((r["workload"], r["engine"], _size(r), "-", "-", "-", "-", r.get("note", "")))
            continue
        lines.append((r["workload"], r["engine"], _size(r), f"{r['transitions']:,}", f"{r['median_s']:.4f}",
                      f"{r['transitions_per_s']:,.0f}" if r.get("transitions_per_s") else "-", _fmt_mem(r.get("memory")),
                      f"{r['compile_median_s']:.4f}" if r.get("compile_median_s") is not None else "-"))
    widths = [max(len(str(x[i])) for x in [head] + [line[:7] + ("",) for line in lines]) for i in range(len(head))]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(str(x).ljust(w) if i < 7 else str(x) for i, (x, w) in enumerate(zip(line, widths))))


def _size(r):
    return "-" if r["size"] is None else f"{r['size']:,} {r['unit']}"


def print_ratios(rows, engines):
    by = {(r["workload"], r["engine"]): r for r in rows if r.get("median_s") is not None}
    others = [e for e in engines if e != "asl"]
    if "asl" not in engines or not others:
        return
    print("\nasl transitions/s relative to the other engines (>1: asl is faster):")
    for w in dict.fromkeys(r["workload"] for r in rows):
        a = by.get((w, "asl"))
        cells = []
        for e in others:
            o = by.get((w, e))
            if a and o and w != "startup":
                cells.append(f"{e}: {a['transitions_per_s'] / o['transitions_per_s']:,.2f}x")
            elif a and o:
                cells.append(f"{e}: {o['median_s'] / a['median_s']:,.2f}x (wall time)")
            else:
                cells.append(f"{e}: -")
        print(f"  {w:<22} " + "   ".join(cells))


# --------------------------------------------------------------------------- profiling
def profile(names, top):
    """cProfile the asl engine on each workload; print the top functions by own time."""
    import cProfile
    import pstats

    engine = AslEngine()
    for name in names:
        workload = W.BY_NAME[name]
        stats_file = tempfile.mktemp(suffix=".prof")
        if name == "startup":
            case = workload.build(1)
            with tempfile.TemporaryDirectory() as tmp:
                d, i = os.path.join(tmp, "d.json"), os.path.join(tmp, "i.json")
                json.dump(case.definition, open(d, "w"))
                json.dump(case.input, open(i, "w"))
                cmd = engine.process_command(d, i, case)
                if cmd[0] != sys.executable:
                    cmd = [sys.executable] + cmd
                cmd[1:1] = ["-m", "cProfile", "-o", stats_file]
                subprocess.run(cmd[:1] + cmd[5:], capture_output=True, env=process_env())  # warm the cache
                subprocess.run(cmd, check=True, capture_output=True, env=process_env())
        else:
            if name in PROCESS_WORKLOADS:
                workload = W.BY_NAME["map"]
            case = workload.build(workload.size)
            try:
                machine = engine.compile(case, name)
            except NotAvailable as exc:
                print(f"\n== {name}: {exc}")
                continue
            compile_prof = cProfile.Profile()
            compile_prof.runcall(engine.compile, case, name)
            _print_stats(f"{name} (compile: StateMachine.from_json)", pstats.Stats(compile_prof), top // 2)
            engine.run(machine, case)
            data = copy.deepcopy(case.input)
            prof = cProfile.Profile()
            prof.runcall(machine.run, data, handlers=case.handlers, state_machine_type=case.state_machine_type)
            prof.dump_stats(stats_file)
        stats = pstats.Stats(stats_file)
        os.unlink(stats_file)
        _print_stats(f"{name} (run)" if name != "startup" else "startup (whole `asl run` process)", stats, top)


def _print_stats(label, stats, top):
    total = stats.total_tt
    print(f"\n== {label}: {total:.3f} s under cProfile, top {top} by own time "
          f"(share = own time / total; cum = with callees)")
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"  {'share':>6} {'own s':>7} {'cum s':>7} {'calls':>9}  function")
    for (path, line, func), (cc, nc, tt, ct, _callers) in entries:
        print(f"  {tt / total:6.1%} {tt:7.3f} {ct:7.3f} {nc:9,}  {func}  {_short(path)}:{line}")


def _short(path):
    for marker in ("/asl_runtime/", "/site-packages/", "/lib/python3"):
        if marker in path:
            return path[path.index(marker) + 1:]
    return path


def importtime(top):
    """Which modules `asl run` start-up spends its import time on."""
    def offenders(cmd, label):
        subprocess.run([a for a in cmd if a not in ("-X", "importtime")], capture_output=True, env=process_env())
        p = subprocess.run(cmd, capture_output=True, text=True, env=process_env())
        rows = []
        for line in p.stderr.splitlines():
            if not line.startswith("import time:") or "imported package" in line:
                continue
            self_us, cum_us, name = (x.strip() for x in line.split(":", 1)[1].split("|"))
            rows.append((int(cum_us), int(self_us), line.rsplit("|", 1)[1].rstrip()))
        total = sum(r[1] for r in rows)
        print(f"\n== {label}: {len(rows)} modules, {total / 1e6:.3f} s of import time (sum of self)")
        print(f"  {'cum ms':>8} {'self ms':>8}  module (top {top} by cumulative; indentation = nesting)")
        for cum, self_, name in sorted(rows, reverse=True)[:top]:
            print(f"  {cum / 1000:8.1f} {self_ / 1000:8.1f}  {name}")
        tops = {}
        for _cum, self_, name in rows:
            tops[name.strip().split(".")[0]] = tops.get(name.strip().split(".")[0], 0) + self_
        print("  by top-level package (sum of self ms): " + ", ".join(
            f"{k} {v / 1000:.0f}" for k, v in sorted(tops.items(), key=lambda kv: -kv[1])[:12]))

    offenders([sys.executable, "-X", "importtime", "-c", "import asl_runtime.cli.main"],
              'python -X importtime -c "import asl_runtime.cli.main"')
    case = W.three_states()
    with tempfile.TemporaryDirectory() as tmp:
        d, i = os.path.join(tmp, "d.json"), os.path.join(tmp, "i.json")
        json.dump(case.definition, open(d, "w"))
        json.dump(case.input, open(i, "w"))
        cmd = AslEngine().process_command(d, i, case)
        if cmd[0] != sys.executable:
            cmd = [sys.executable] + cmd
        offenders(cmd[:1] + ["-X", "importtime"] + cmd[1:], "asl run three-states.json --format json (whole run)")


# --------------------------------------------------------------------------- main
def revision() -> str:
    """The commit measured (with '+dirty' when the working tree differs), for the record."""
    try:
        git = ["git", "-C", os.path.dirname(HERE)]
        rev = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(git + ["status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "") if rev else "unknown"
    except OSError:
        return "unknown"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per workload; the median is reported")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help=f"workloads to run (repeatable or comma-separated): {', '.join(W.BY_NAME)}")
    ap.add_argument("--engine", default="asl",
                    help="asl, moto or yardstick; a comma-separated list or 'all' compares them")
    ap.add_argument("--profile", action="store_true", help="cProfile the asl engine on the chosen workloads")
    ap.add_argument("--top", type=int, default=15, help="rows per profile / import listing")
    ap.add_argument("--importtime", action="store_true", help="list the slowest imports of `asl run`")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child:
        return child_main(args._child, args.engine)
    names = [n for spec in (args.only or [",".join(W.BY_NAME)]) for n in spec.split(",") if n]
    unknown = [n for n in names if n not in W.BY_NAME]
    if unknown:
        ap.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(W.BY_NAME)}")
    if args.importtime:
        return importtime(args.top)
    if args.profile:
        return profile(names, args.top)
    engines = list(ENGINES) if args.engine == "all" else args.engine.split(",")
    for e in engines:
        if e not in ENGINES:
            ap.error(f"unknown engine {e}; choose from {', '.join(ENGINES)}")
    engines = sorted(engines, key=list(ENGINES).index)

    rev = revision()
    print(f"# asl-runtime {rev}; {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; median of {args.repeat}; memory: 'heap' = tracemalloc peak of one untimed "
          f"run, 'rss' = peak RSS of the fresh process", flush=True)
    # Engines take turns on each workload, so the ratios compare runs made close together in time.
    instances = {e: ENGINES[e]() for e in engines}
    rows = []
    for name in names:
        for e, engine in instances.items():
            row = measure(engine, W.BY_NAME[name], args.repeat)
            rows.append(row)
            status = f"{row['median_s']:.4f} s" if row.get("median_s") is not None else row.get("note", "")
            print(f"  {name:<20} {e:<9} {status}", file=sys.stderr, flush=True)
    rows.sort(key=lambda r: engines.index(r["engine"]))
    print()
    print_table(rows)
    for r in rows:
        if r.get("no_bytecode_cache_median_s"):
            print(f"\n{r['workload']} ({r['engine']}): {r['median_s']:.3f} s with a bytecode cache, "
                  f"{r['no_bytecode_cache_median_s']:.3f} s with none (PYTHONDONTWRITEBYTECODE and nothing cached); "
                  f"`python -c pass` takes {r['python_baseline_median_s']:.3f} s")
    print_ratios(rows, engines)
    met = targets(rows)
    if met:
        print("\nIssue 5 targets:")
        for target, figure, ok in met:
            print(f"  [{'met' if ok else 'MISSED'}] {target}: {figure}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"revision": rev, "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                       "repeat": args.repeat, "results": rows,
                       "targets": [{"target": t, "figure": f, "met": ok} for t, f, ok in met]}, fh, indent=2)


if __name__ == "__main__":
    main()
