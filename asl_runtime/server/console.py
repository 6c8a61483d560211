"""`GET /`: a read-only page of the state machines, their executions and their health."""

from __future__ import annotations

import html
import time


def render(service) -> str:
    store = service.store
    machines = store.resources("stateMachine")
    rows = []
    for m in machines:
        records = store.list_executions(m["stateMachineArn"])
        rows.append(f"<tr><td>{html.escape(m['name'])}</td><td>{m['type']}</td><td>{len(records)}</td></tr>")
    executions = store.list_executions()[:50]
    ex_rows = "".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.state_machine_arn.split(':')[-1])}</td>"
        f"<td class='{r.status}'>{r.status}</td><td>{_time(r.start_date)}</td></tr>" for r in executions)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>asl serve</title></head><body>"
            f"<h1>asl serve</h1><h2>State machines</h2><table><tr><th>Name</th><th>Type</th>"
            f"<th>Executions</th></tr>{''.join(rows)}</table><h2>Executions</h2><table><tr><th>Name</th>"
            f"<th>State machine</th><th>Status</th><th>Started</th></tr>{ex_rows}</table></body></html>")


def _time(ts) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) if ts else ""
