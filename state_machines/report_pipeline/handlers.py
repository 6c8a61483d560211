"""Handlers for the report_pipeline example: one flaky source, one broken source."""

from asl_runtime import sleep


class SourceBusy(Exception):
    """The source asked us to come back later (retried with back-off)."""


class SourceCorrupt(Exception):
    """The source cannot be read at all (caught, the item is skipped)."""


_attempts: dict[str, int] = {}


def extract(event, context):
    source = event["source"]
    name = source["name"]
    if source.get("corrupt"):
        raise SourceCorrupt(f"{name} is not readable")
    busy_times = source.get("busyTimes", 0)
    seen = _attempts.get(name, 0)
    _attempts[name] = seen + 1
    if seen < busy_times:
        raise SourceBusy(f"{name} is busy")
    sleep(source.get("seconds", 1))  # simulated time under the virtual clock
    return {"source": name, "rows": source.get("rows", 0), "position": event["position"]}


def summarise(event, context):
    good = [e for e in event["extracts"] if not e.get("skipped")]
    return {"sources": len(good), "rows": sum(e["rows"] for e in good),
            "skipped": sorted(e["source"] for e in event["extracts"] if e.get("skipped"))}


def archive(event, context):
    return {"stored": event["key"], "entries": event["count"]}
