"""The server workload: many concurrent boto3 clients against a Step Functions endpoint.

Runs the same client load against `asl serve`, moto's server (`moto_server`, with state machine
execution turned on through its /moto-api/config) and ministack, in one run:

- standard: each client thread loops StartExecution + DescribeExecution (polled until the
  execution ends) on a small Standard machine; latency is start to seen-ended;
- express: each client thread loops StartSyncExecution on the same machine as an Express one.

    python benchmarks/server.py                                   # asl only, 8 clients, 10 s each
    python benchmarks/server.py --targets asl,moto,ministack --clients 8 --processes 4 --json out.json
    python benchmarks/server.py --moto-command /venv/bin/moto_server --ministack-command /venv/bin/ministack

Reports executions per second, p50/p99 latency and errors per target and workload.  A target
that cannot start is reported "not available: ..." rather than failing the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLE = "arn:aws:iam::123456789012:role/Bench"
SMALL = {"StartAt": "Validate", "States": {
    "Validate": {"Type": "Pass", "Parameters": {"order.$": "$.order", "valid": True}, "Next": "Price"},
    "Price": {"Type": "Pass", "Result": {"total": 42}, "ResultPath": "$.price", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}
TARGETS = {"asl": "asl serve", "moto": "moto_server", "ministack": "ministack"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {process.stderr.read()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"not listening on {port} after {timeout} s")


def start_target(name: str, args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ)
    if name == "asl":
        command = [sys.executable, "-m", "asl_runtime.cli.main", "serve", "--port", str(port)]
        if args.db:
            command += ["--db", args.db]
    elif name == "moto":
        exe = args.moto_command or shutil.which("moto_server")
        if exe is None:
            raise RuntimeError("moto_server is not installed (pip install 'moto[server]')")
        command = exe.split() + ["-p", str(port)]
    else:
        exe = args.ministack_command or shutil.which("ministack")
        if exe is None:
            raise RuntimeError("ministack is not installed (pip install ministack, in its own environment: "
                               "it pins a newer botocore)")
        command = exe.split()
        env.update(GATEWAY_PORT=str(port), MINISTACK_PORT=str(port), PORT=str(port))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=ROOT)
    wait_listening(port, process)
    url = f"http://127.0.0.1:{port}"
    if name == "moto":
        body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        urllib.request.urlopen(urllib.request.Request(url + "/moto-api/config", data=body, method="POST",
                                                      headers={"Content-Type": "application/json"}), timeout=10)
    return process, url


def client(url: str):
    import boto3
    from botocore.config import Config

    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench",
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1},
                                      max_pool_connections=4))


def _client_process(url, workload, machine, threads, seconds, start_at, out):
    """One client process: `threads` boto3 clients looping the workload until the deadline."""
    latencies, errors = [], []
    lock = threading.Lock()

    def worker():
        sfn = client(url)
        mine, failed = [], []
        time.sleep(max(0.0, start_at - time.time()))
        stop_at = start_at + seconds
        while time.time() < stop_at:
            began = time.perf_counter()
            try:
                if workload == "express":
                    result = sfn.start_sync_execution(stateMachineArn=machine, input='{"order": 1}',
                                                      name=uuid.uuid4().hex)
                    if result["status"] != "SUCCEEDED":
                        raise RuntimeError(f"status {result['status']}: {result.get('error')}")
                else:
                    arn = sfn.start_execution(stateMachineArn=machine, input='{"order": 1}',
                                              name=uuid.uuid4().hex)["executionArn"]
                    while True:
                        status = sfn.describe_execution(executionArn=arn)["status"]
                        if status != "RUNNING":
                            break
                        time.sleep(0.002)
                    if status != "SUCCEEDED":
                        raise RuntimeError(f"status {status}")
                mine.append(time.perf_counter() - began)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failed.append(f"{type(exc).__name__}: {exc}"[:200])
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 120)
    out.put((latencies, errors))


def run_load(url: str, workload: str, clients: int, seconds: float, processes: int) -> dict:
    """`clients` boto3 client threads spread over `processes` processes (so the GIL of one
    client process is not what is measured)."""
    import multiprocessing

    setup = client(url)
    name = f"bench-{workload}-{uuid.uuid4().hex[:8]}"
    machine = setup.create_state_machine(name=name, definition=json.dumps(SMALL), roleArn=ROLE,
                                         type="EXPRESS" if workload == "express" else "STANDARD")["stateMachineArn"]
    processes = max(1, min(processes, clients))
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 3.0  # every process has imported boto3 and built its clients by then
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    workers = [context.Process(target=_client_process, args=(url, workload, machine, n, seconds, start_at, out))
               for n in shares]
    for w in workers:
        w.start()
    latencies, errors = [], []
    for _ in workers:
        got_latencies, got_errors = out.get(timeout=seconds + 180)
        latencies += got_latencies
        errors += got_errors
    for w in workers:
        w.join(30)
    elapsed = seconds
    latencies.sort()
    figure = {"executions": len(latencies), "errors": len(errors), "seconds": round(elapsed, 2),
              "executions_per_s": round(len(latencies) / elapsed, 1)}
    if latencies:
        figure["p50_ms"] = round(1000 * statistics.median(latencies), 1)
        figure["p99_ms"] = round(1000 * latencies[max(0, int(0.99 * len(latencies)) - 1)], 1)
    if errors:
        figure["first_errors"] = sorted(set(errors))[:3]
    return figure


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--targets", default="asl", help="comma-separated: asl, moto, ministack, or all")
    parser.add_argument("--workloads", default="standard,express")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=4, help="client processes the threads are spread over")
    parser.add_argument("--db", help="asl serve --db PATH (default in memory)")
    parser.add_argument("--moto-command", help="how to start moto's server (default: moto_server on PATH); "
                        "moto before 5.2.6 fails every StartExecution after the first one")
    parser.add_argument("--ministack-command", help="how to start ministack (default: ministack on PATH)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    targets = list(TARGETS) if args.targets == "all" else args.targets.split(",")
    figures: dict = {}
    for target in targets:
        figures[target] = {}
        for workload in args.workloads.split(","):
            # A fresh server per workload: what one workload leaves behind (ministack's stuck
            # requests after the Standard one, say) does not count against the next.
            try:
                process, url = start_target(target, args)
            except Exception as exc:  # noqa: BLE001
                figures[target] = {"not available": str(exc)}
                print(f"{target:10} not available: {exc}")
                break
            try:
                figure = run_load(url, workload, args.clients, args.seconds, args.processes)
            except Exception as exc:  # noqa: BLE001 - e.g. an emulator without StartSyncExecution
                figure = {"not available": f"{type(exc).__name__}: {exc}"[:300]}
            finally:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
            figures[target][workload] = figure
            print(f"{target:10} {workload:9} {json.dumps(figure)}", flush=True)
    _ratios(figures)
    if args.json:
        Path(args.json).write_text(json.dumps({"clients": args.clients, "seconds": args.seconds,
                                               "figures": figures}, indent=2))
    return 0


def _ratios(figures: dict) -> None:
    """The issue's targets: 5x moto on Standard, 5x ministack on Express sync."""
    ours = figures.get("asl", {})
    for other, workload in (("moto", "standard"), ("ministack", "express")):
        mine = ours.get(workload, {}).get("executions_per_s")
        theirs = figures.get(other, {}).get(workload, {}).get("executions_per_s")
        failed = [name for name, figure in (("asl", ours.get(workload, {})),
                                            (other, figures.get(other, {}).get(workload, {}))) if figure.get("errors")]
        if "asl" in failed or not (mine and theirs):
            continue
        ratio = mine / theirs
        note = f" ({other} had failed requests, counted as not done)" if failed else ""
        print(f"asl / {other} on {workload}: {ratio:.1f}x (target 5x: {'met' if ratio >= 5 else 'NOT met'}){note}")


if __name__ == "__main__":
    sys.exit(main())
