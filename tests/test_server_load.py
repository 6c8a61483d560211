"""A bounded loopback load test: 32 concurrent boto3 clients, no errors, memory that stays flat."""

import json
import threading

from server_support import client, create, running_server

CLIENTS = 32
ROUNDS = 3           # batches of work; memory is compared between the first and the last
PER_CLIENT = 8       # executions per client per round
MACHINE = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.a",
                                            "Next": "B"}, "B": {"Type": "Succeed"}}}


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        import os
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_32_concurrent_clients_start_describe_and_sync_without_errors_or_memory_growth():
    with running_server() as (_, url):
        setup = client(url)
        standard = create(setup, "load", MACHINE)
        express = create(setup, "load-express", MACHINE, type="EXPRESS")
        clients = [client(url, max_pool_connections=2) for _ in range(CLIENTS)]
        errors: list[str] = []
        done = [0]
        lock = threading.Lock()

        def work(sfn, round_no, index):
            try:
                for i in range(PER_CLIENT):
                    if i % 2:
                        result = sfn.start_sync_execution(stateMachineArn=express, input='{"i": %d}' % i)
                        assert result["status"] == "SUCCEEDED", result
                        assert json.loads(result["output"])["a"] == {"ok": True}
                    else:
                        arn = sfn.start_execution(stateMachineArn=standard, name=f"r{round_no}-c{index}-{i}",
                                                  input="{}")["executionArn"]
                        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                            pass
                        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
                    with lock:
                        done[0] += 1
            except Exception as exc:  # noqa: BLE001 - collected; the assertion below reports them
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

        sizes = []
        for round_no in range(ROUNDS):
            threads = [threading.Thread(target=work, args=(sfn, round_no, i)) for i, sfn in enumerate(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert not any(t.is_alive() for t in threads), "a client hung"
            sizes.append(rss_bytes())
        assert errors == []
        assert done[0] == CLIENTS * PER_CLIENT * ROUNDS
        listed = sum(len(p["executions"]) for p in setup.get_paginator("list_executions").paginate(
            stateMachineArn=standard))
        assert listed == CLIENTS * PER_CLIENT * ROUNDS // 2  # every Standard start acknowledged is there
        # Loose: each stored execution costs a few KB; a leak per request would cost far more.
        assert sizes[-1] - sizes[0] < 64 * 1024 * 1024, sizes
