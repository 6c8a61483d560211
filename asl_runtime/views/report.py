"""`asl report`: one self-contained HTML page of an execution, like the console's execution page.

Everything is inlined (styles, the SVG graph drawn by views/svg.py, a few lines of script), so
the file opens anywhere, offline, and can be attached to a ticket. The page works without
script; the script only adds filtering of the event table by state (click a state).
"""

from __future__ import annotations

import json
from html import escape

from .graph_model import graph_of
from .model import ExecutionModel
from .svg import svg
from .timeline import critical_path, rows
from .tree import seconds, short_cause, summary_line

PAYLOAD_LIMIT = 50_000

_CSS = """
body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#202124;background:#f8f9fa}
header{background:#fff;border-bottom:1px solid #dadce0;padding:16px 24px}
nav{padding:8px 24px;background:#fff}nav a{color:#1967d2;text-decoration:none}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
.arn{font-family:ui-monospace,Menlo,Consolas,monospace;color:#5f6368;font-size:12px;word-break:break-all}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}
.SUCCEEDED{background:#e6f4ea;color:#137333}.FAILED,.TIMED_OUT{background:#fde8e8;color:#c5221f}
.ABORTED,.CAUGHT{background:#fff4e0;color:#b06000}.RUNNING{background:#e8f0fe;color:#1967d2}
main{padding:16px 24px;display:grid;gap:16px}
section{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:14px 16px;overflow:auto}
.facts{display:flex;gap:28px;flex-wrap:wrap;margin-top:8px}.facts div span{display:block;color:#5f6368;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{color:#5f6368;font-weight:600}tr.hidden{display:none}
pre{margin:0;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;max-height:260px;overflow:auto}
details summary{cursor:pointer;color:#1a73e8}
.bar-row{display:grid;grid-template-columns:220px 1fr 80px;align-items:center;gap:8px;font-size:12px;height:20px}
.bar-track{position:relative;height:12px;background:#f1f3f4;border-radius:3px}
.bar{position:absolute;top:0;height:12px;border-radius:3px;min-width:2px;background:#9aa0a6}
.bar.critical{background:#a142f4}.bar.FAILED{background:#d93025}
.name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.graph .node{cursor:pointer}.graph .node.selected rect{stroke:#1a73e8;stroke-width:3}
.note{color:#5f6368;font-size:12px}
"""

_JS = """
(function(){
  var rows=document.querySelectorAll('#events tbody tr');
  function pick(name){
    var shown=0;
    rows.forEach(function(r){var hit=!name||r.dataset.state===name;r.classList.toggle('hidden',!hit);if(hit)shown++;});
    document.querySelectorAll('.graph .node').forEach(function(n){n.classList.toggle('selected',n.dataset.state===name);});
    document.getElementById('filter').textContent=name?('events of '+name+' ('+shown+') - click it again for all'):'';
  }
  var current=null;
  document.querySelectorAll('[data-state]').forEach(function(el){
    if(el.tagName==='TR')return;
    el.addEventListener('click',function(){current=(current===el.dataset.state)?null:el.dataset.state;pick(current);});
  });
  document.body.dataset.ready='yes';
  document.getElementById('event-count').textContent=String(rows.length);
})();
"""


def report_html(model: ExecutionModel, definition: dict | None = None, title: str | None = None,
                back: tuple[str, str] | None = None) -> str:
    """The report page; `back` (href, text) adds a link above the header (the server's console)."""
    status = {}
    counts: dict[str, int] = {}
    for _, visit in model.walk():
        status[visit.name] = visit.status
        counts[visit.name] = counts.get(visit.name, 0) + 1
    name = title or model.name or (model.execution_arn or "execution").split(":")[-1]
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(name)} · asl report</title>",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             f"<style>{_CSS}</style></head><body>"]
    if back is not None:
        parts.append(f'<nav><a href="{escape(back[0])}">{escape(back[1])}</a></nav>')
    parts.append(_header(model, name))
    parts.append("<main>")
    if definition is not None:
        parts.append("<section id=\"graph\"><h2>Graph</h2>")
        parts.append(svg(graph_of(definition), status, counts))
        parts.append("<p class=\"note\">Coloured: states entered (green succeeded, orange caught, red "
                     "failed); dashed red: Catch edges. Click a state to filter the events.</p></section>")
    parts.append(_timeline(model))
    parts.append(_states(model))
    parts.append(_events(model))
    parts.append("</main>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "".join(parts)


def _header(model: ExecutionModel, name: str) -> str:
    facts = [("Status", f'<span class="status {escape(model.status)}">{escape(model.status)}</span>'),
             ("Duration", escape(seconds(model.duration))),
             ("State transitions", str(model.transitions))]
    summary = summary_line(model).plain
    if "≈ $" in summary:
        facts.append(("Cost estimate", escape(summary.split("≈ ")[1].split()[0])))
    if model.error:
        facts.append(("Error", escape(str(model.error))))
    html = [f"<header><h1>{escape(name)}</h1>"]
    if model.execution_arn:
        html.append(f'<div class="arn">{escape(model.execution_arn)}</div>')
    html.append('<div class="facts">' + "".join(f"<div><span>{k}</span>{v}</div>" for k, v in facts) + "</div>")
    if model.cause:
        html.append(f'<details><summary>Cause</summary><pre>{escape(_text(model.cause))}</pre></details>')
    html.append("</header>")
    return "".join(html)


def _timeline(model: ExecutionModel) -> str:
    html = ["<section id=\"timeline\"><h2>Timeline</h2>"]
    start, duration = model.started, model.duration
    if start is None or duration is None:
        html.append("<p class=\"note\">This history has no timestamps to draw a timeline from.</p></section>")
        return "".join(html)
    span = max(duration, 1e-9)
    critical = critical_path(model)
    for depth, visit, tag in rows(model):
        entered = visit.entered if visit.entered is not None else start
        left = visit.left if visit.left is not None else start + duration
        a = max(0.0, (entered - start) / span * 100)
        w = max(0.0, (left - entered) / span * 100)
        cls = "bar" + (" critical" if visit.seq in critical else "") + (" FAILED" if visit.status == "FAILED" else "")
        label = ("&nbsp;" * 3 * depth) + (escape(tag) + " " if tag else "") + escape(visit.name)
        html.append(f'<div class="bar-row" data-state="{escape(visit.name, quote=True)}"><div class="name" '
                    f'title="{escape(visit.qualified_name, quote=True)}">{label}</div><div class="bar-track">'
                    f'<div class="{cls}" style="left:{a:.3f}%;width:{w:.3f}%"></div></div>'
                    f'<div>{escape(seconds(visit.duration))}</div></div>')
    html.append("<p class=\"note\">Purple: the critical path (the states the duration is made of).</p></section>")
    return "".join(html)


def _states(model: ExecutionModel) -> str:
    html = ["<section id=\"states\"><h2>States</h2><table><thead><tr><th>#</th><th>State</th><th>Type</th>"
            "<th>Status</th><th>Duration</th><th>Attempts</th><th>Input</th><th>Output</th></tr></thead><tbody>"]
    for n, (_, visit) in enumerate(model.walk(), start=1):
        attempts = ""
        if len(visit.attempts) > 1 or any(a.error for a in visit.attempts):
            attempts = "<br>".join(
                escape(f"{a.number}: {a.error or 'ok'}" + (f" ({short_cause(a.cause)})" if a.cause else "")
                       + (f", retry after {seconds(a.backoff_seconds)}" if a.backoff_seconds is not None else ""))
                for a in visit.attempts)
        if visit.caught:
            attempts += escape(f" caught {visit.caught.error} → {visit.caught.next or '?'}")
        elif visit.status == "FAILED" and visit.error:
            attempts += escape(f" {visit.error}")
        html.append(f'<tr data-state="{escape(visit.name, quote=True)}"><td>{n}</td>'
                    f"<td>{escape(visit.qualified_name)}</td><td>{escape(visit.type)}</td>"
                    f'<td><span class="status {escape(visit.status)}">{escape(visit.status.lower())}</span></td>'
                    f"<td>{escape(seconds(visit.duration))}</td><td>{attempts}</td>"
                    f"<td>{_payload(visit.input)}</td>"
                    f"<td>{_payload(visit.output) if visit.status in ('SUCCEEDED', 'CAUGHT') else ''}</td></tr>")
    html.append("</tbody></table></section>")
    return "".join(html)


def _events(model: ExecutionModel) -> str:
    html = ["<section><h2>Events (<span id=\"event-count\"></span>) <span id=\"filter\" class=\"note\"></span></h2>"
            "<table id=\"events\"><thead><tr><th>ID</th><th>Type</th><th>State</th><th>Time</th><th>Details</th>"
            "</tr></thead><tbody>"]
    start = model.started
    owner = {}
    for _, visit in model.walk():
        for event in visit.events:
            owner[id(event)] = visit.name
    for n, event in enumerate(model.events, start=1):
        state = owner.get(id(event)) or event.details.get("name") or ""
        when = "" if event.timestamp is None or start is None else seconds(event.timestamp - start)
        raw = event.raw if event.raw is not None else {"type": event.type, "details": event.details}
        details = {k: v for k, v in raw.items() if k.endswith("EventDetails")}
        body = _payload(details) if details else ""
        html.append(f'<tr data-state="{escape(str(state), quote=True)}"><td>{escape(str(event.id or n))}</td>'
                    f"<td>{escape(event.type)}</td><td>{escape(str(state))}</td><td>{escape(when)}</td>"
                    f"<td>{body}</td></tr>")
    html.append("</tbody></table></section>")
    return "".join(html)


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def _payload(value) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    note = ""
    if len(text) > PAYLOAD_LIMIT:
        note = f'<div class="note">{len(text) - PAYLOAD_LIMIT:,} more characters not shown</div>'
        text = text[:PAYLOAD_LIMIT]
    if len(text) <= 60 and "\n" not in text:
        return f"<pre>{escape(text)}</pre>{note}"
    first = " ".join(text.split())[:50]
    return f"<details><summary>{escape(first)}…</summary><pre>{escape(text)}</pre>{note}</details>"
