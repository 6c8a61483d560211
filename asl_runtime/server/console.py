"""`GET /`: a read-only page of the state machines, their health and their executions.

Per state machine it shows what teams put on dashboards: executions by status, average and p99
duration of the ended ones, the failure rate, and the states executions most often failed in.
`GET /execution?arn=ARN` shows one execution as the HTML report `asl report` writes.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections import Counter
from urllib.parse import quote

from ..views.model import ExecutionModel
from ..views.report import report_html

ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
STATUSES = ("RUNNING",) + ENDED
FAILING = ("FAILED", "TIMED_OUT", "ABORTED")
RECENT = 100          # executions listed on the page
FAILURES_READ = 200   # failed executions per machine whose history is read for "most failing states"

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#16191f;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.sub{color:#5f6b7a;margin:0 0 1rem}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;font-size:.9rem}
th,td{padding:.4rem .7rem;border-bottom:1px solid #e9ebed;text-align:left;vertical-align:top}
th{background:#f2f3f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.RUNNING{color:#0972d3}.SUCCEEDED{color:#037f0c}.FAILED,.TIMED_OUT{color:#d91515}.ABORTED{color:#8d6605}
.badge{display:inline-block;padding:0 .4rem;margin:0 .2rem .2rem 0;border-radius:.6rem;background:#f2f3f3}
a{color:#0972d3;text-decoration:none}a:hover{text-decoration:underline}.empty{color:#5f6b7a}
"""


def render(service, query: dict | None = None) -> str:
    query = query or {}
    if "arn" in query:
        return _execution_page(service, query["arn"])
    return _home(service)


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def _home(service) -> str:
    store = service.store
    machines = store.resources("stateMachine")
    all_records = store.list_executions(checkpoint=False)
    by_machine: dict[str, list] = {}
    for record in all_records:
        by_machine.setdefault(record.state_machine_arn, []).append(record)
    rows = [_machine_row(store, m, by_machine.get(m["stateMachineArn"], [])) for m in machines]
    machines_html = ("<table id='state-machines'><tr><th>State machine</th><th>Type</th><th>Executions</th>"
                     "<th>By status</th><th>Failure rate</th><th>Avg duration</th><th>p99 duration</th>"
                     "<th>Most failing states</th></tr>" + "".join(rows) + "</table>") if rows \
        else "<p class='empty'>No state machines yet: CreateStateMachine one.</p>"
    recent = all_records[:RECENT]
    ex_rows = "".join(
        f"<tr><td><a href='/execution?arn={quote(r.arn)}'>{html.escape(r.name)}</a></td>"
        f"<td>{html.escape(r.state_machine_arn.split(':')[6])}</td><td class='{r.status}'>{r.status}</td>"
        f"<td>{_time(r.start_date)}</td><td class='num'>{_duration(r)}</td></tr>" for r in recent)
    executions_html = ("<table id='executions'><tr><th>Execution</th><th>State machine</th><th>Status</th>"
                       "<th>Started (UTC)</th><th>Duration</th></tr>" + ex_rows + "</table>") if recent \
        else "<p class='empty'>No executions yet.</p>"
    config = service.config
    body = (f"<h1>asl serve</h1><p class='sub'>Step Functions API for account {html.escape(config.account_id)} in "
            f"{html.escape(config.region)}; read-only view, refreshed on reload.</p>"
            f"<h2>State machines</h2>{machines_html}<h2>Recent executions</h2>{executions_html}")
    return _page("asl serve", body)


def _machine_row(store, machine: dict, records: list) -> str:
    counts = Counter(r.status for r in records)
    ended = [r for r in records if r.status in ENDED and r.stop_date is not None and r.start_date is not None]
    durations = sorted(r.stop_date - r.start_date for r in ended)
    failed = [r for r in ended if r.status in FAILING]
    rate = f"{100 * len(failed) / len(ended):.1f}%" if ended else "–"
    avg = _seconds(sum(durations) / len(durations)) if durations else "–"
    p99 = _seconds(durations[max(0, math.ceil(0.99 * len(durations)) - 1)]) if durations else "–"
    badges = "".join(f"<span class='badge {s}'>{s} {counts[s]}</span>" for s in STATUSES if counts[s])
    failing = Counter(_failed_state(store, r) for r in failed[:FAILURES_READ])
    failing.pop(None, None)
    worst = "".join(f"<span class='badge'>{html.escape(name)} × {n}</span>" for name, n in failing.most_common(3))
    return (f"<tr><td>{html.escape(machine['name'])}</td><td>{machine['type']}</td>"
            f"<td class='num'>{len(records)}</td><td>{badges or '–'}</td><td class='num'>{rate}</td>"
            f"<td class='num'>{avg}</td><td class='num'>{p99}</td><td>{worst or '–'}</td></tr>")


def _failed_state(store, record) -> str | None:
    """The state the execution failed in: the last top-level state it entered."""
    name = None
    for event in store.events(record.arn):
        details = event.get("stateEnteredEventDetails")
        if details:
            name = details.get("name")
    return name


def _execution_page(service, arn: str) -> str:
    """The execution's full HTML report (views/report.py): graph, timeline, states and events."""
    record = service.store.get_execution(arn, checkpoint=False)
    if record is None:
        return _page("not found", f"<h1>No execution {html.escape(arn)}</h1><p><a href='/'>back</a></p>")
    request = {"executionArn": arn}
    describe = service.DescribeExecution(request)
    definition = json.loads(service.DescribeStateMachineForExecution(request)["definition"])
    model = ExecutionModel.from_history(service.store.events(arn), describe=describe, definition=definition)
    return report_html(model, definition, title=record.name, back=("/", "← all executions"))


def _time(ts) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) if ts else ""


def _duration(record) -> str:
    if record.stop_date is None or record.start_date is None or record.status == "RUNNING":
        return "–"
    return _seconds(record.stop_date - record.start_date)


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
