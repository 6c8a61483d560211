"""The bundled examples: every definition is valid, hello_world and report_pipeline run to their
expected outputs, and the README's Python snippet works as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from asl_runtime import StateMachine
from asl_runtime.cli.main import main
from asl_runtime.integrations.local_lambda import load_handlers

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "state_machines"
DEFINITIONS = sorted(EXAMPLES.glob("*/definition.asl.json"))


def example(name):
    folder = EXAMPLES / name
    machine = StateMachine.from_file(folder / "definition.asl.json")
    handlers = load_handlers(str(folder / "handlers.py"))  # a fresh module: handler state starts clean
    data = json.loads((folder / "input.json").read_text())
    return machine, handlers, data


def test_there_are_examples():
    assert {"hello_world", "report_pipeline"} <= {p.parent.name for p in DEFINITIONS}


@pytest.mark.parametrize("path", DEFINITIONS, ids=[p.parent.name for p in DEFINITIONS])
def test_every_example_definition_is_valid(path):
    StateMachine.from_file(path)  # raises DefinitionError with located problems otherwise


def test_asl_validate_accepts_every_example():
    result = CliRunner().invoke(main, ["validate", "--format", "json", *map(str, DEFINITIONS)])
    assert result.exit_code == 0, result.stdout
    assert all(report["valid"] for report in json.loads(result.stdout))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/input.json")), ids=lambda p: p.parent.name)
def test_every_example_input_is_json(path):
    json.loads(path.read_text())


# --------------------------------------------------------------------------- hello_world
def test_hello_world_loud():
    machine, handlers, data = example("hello_world")
    assert data == {"name": "Ada", "loud": True}
    result = machine.run(data, handlers=handlers)
    assert (result.status, result.output) == ("SUCCEEDED", {"greeting": "Hello, Ada!!!"})
    assert [name for name, *_ in result.states] == ["Greet", "IsLoud", "Shout", "Done"]


def test_hello_world_quiet():
    machine, handlers, _ = example("hello_world")
    result = machine.run({"name": "Lin", "loud": False}, handlers=handlers)
    assert result.output == {"name": "Lin", "loud": False, "greeting": "Hello, Lin"}
    assert [name for name, *_ in result.states] == ["Greet", "IsLoud", "Done"]


def test_hello_world_without_handlers_names_the_missing_function():
    machine, _, data = example("hello_world")
    result = machine.run(data)
    assert result.error == "Lambda.ResourceNotFoundException"
    assert "function:greet" in result.cause


# --------------------------------------------------------------------------- report_pipeline
def test_report_pipeline():
    machine, handlers, data = example("report_pipeline")
    result = machine.run(data, handlers=handlers)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output == {
        "summary": {"sources": 3, "rows": 120 + 7 + 45, "skipped": ["legacy"]},
        "archive": {"stored": "reports/2026-11.json", "entries": 4},
    }
    # the Map runs its four sources side by side (MaxConcurrency 4): the slowest, 10 s, sets the pace
    assert result.duration == pytest.approx(10)


def test_report_pipeline_retries_the_busy_source_and_catches_the_corrupt_one():
    machine, handlers, data = example("report_pipeline")
    result = machine.run(data, handlers=handlers)
    scheduled = [e for e in result.history if e["type"] == "LambdaFunctionScheduled"]
    inputs = [json.loads(e["lambdaFunctionScheduledEventDetails"]["input"]) for e in scheduled]
    by_source = {}
    for event in inputs:
        if "source" in event:
            by_source[event["source"]["name"]] = by_source.get(event["source"]["name"], 0) + 1
    assert by_source == {"orders": 1, "refunds": 3, "legacy": 1, "shipments": 1}  # refunds: busy twice
    failed = [e["lambdaFunctionFailedEventDetails"]["error"] for e in result.history
              if e["type"] == "LambdaFunctionFailed"]
    assert sorted(failed) == ["SourceBusy", "SourceBusy", "SourceCorrupt"]


def test_report_pipeline_with_a_source_that_stays_busy_skips_it():
    machine, handlers, data = example("report_pipeline")
    data["sources"][1]["busyTimes"] = 99  # more than the 5 retries allow
    result = machine.run(data, handlers=handlers)
    assert result.status == "SUCCEEDED"
    assert result.output["summary"] == {"sources": 2, "rows": 165, "skipped": ["legacy", "refunds"]}


def test_report_pipeline_from_the_cli():
    folder = EXAMPLES / "report_pipeline"
    result = CliRunner().invoke(main, ["run", str(folder / "definition.asl.json"),
                                       "--input-file", str(folder / "input.json"),
                                       "--handlers", str(folder / "handlers.py"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"]["archive"] == {"stored": "reports/2026-11.json", "entries": 4}


# --------------------------------------------------------------------------- README
def readme_python_snippets():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_readme_python_snippet_works(monkeypatch):
    snippets = [s for s in readme_python_snippets()
                if ("StateMachine.from_file" in s or "StateMachine.from_json" in s) and "..." not in s]
    assert snippets, "the README lost its Python example"
    monkeypatch.chdir(ROOT)
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), {})
