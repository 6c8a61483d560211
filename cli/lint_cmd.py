"""`asl lint FILE...`: located warnings for what reviews of production workflows look for."""

from __future__ import annotations

import json
import os
import sys

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _machine_name(path: str) -> str:
    """The name a linted file goes by when another file starts it: its name without suffixes."""
    base = os.path.basename(path)
    for suffix in (".asl.json", ".asl.yaml", ".asl.yml", ".json", ".yaml", ".yml"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for tools (the validate shape, each problem with rule and severity)")
@click.option("--disable", "disabled", multiple=True, metavar="RULE", help="skip a rule (repeatable)")
@click.option("--strict", is_flag=True, help="exit 1 when there is any warning")
@click.option("--type", "sm_type", type=click.Choice(["STANDARD", "EXPRESS"], case_sensitive=False),
              default=lambda: os.environ.get("ASL_STATE_MACHINE_TYPE") or "STANDARD",
              help="the machines' type, for the EXPRESS duration rule [env ASL_STATE_MACHINE_TYPE]")
def lint(files, fmt, disabled, strict, sm_type):
    """Warn about fragile definitions: missing Retry, Catch, timeouts, heartbeats, unbounded retries,
    deep nesting, Express machines that may outlive five minutes.

    Rules: retry-transient, catch-side-effect, task-timeout, callback-heartbeat, retry-all-cap,
    nested-depth, express-duration. A definition that is not valid reports its validation errors
    (rule "valid", severity "error"). Machines started with states:startExecution are followed
    when they are among FILES (named after the file: billing.asl.json is "billing").
    """
    from asl_runtime.definition.validator import validate
    from asl_runtime.errors import DefinitionError
    from asl_runtime.testing.lint import RULES, lint as lint_definition
    from asl_runtime.testing.source_lines import line_of, pointer_lines
    from asl_runtime.testing.suite import SuiteError, load_definition

    unknown = sorted(set(disabled) - set(RULES))
    if unknown:
        click.echo(f"asl: error: unknown lint rule {', '.join(unknown)} for --disable; rules: {', '.join(RULES)}",
                   err=True)
        sys.exit(EXIT_USAGE)
    loaded, reports, unreadable = {}, [], False
    for path in files:
        try:
            loaded[path] = load_definition(path)
        except SuiteError as exc:
            reports.append(_report(path, [{"path": "", "message": str(exc), "rule": "valid", "severity": "error"}]))
            unreadable = True
        except OSError as exc:
            reports.append(_report(path, [{"path": "", "message": f"cannot read file: {exc.strerror or exc}",
                                           "rule": "valid", "severity": "error"}]))
            unreadable = True
        except DefinitionError as exc:
            reports.append(_report(path, [dict(p.to_dict(), rule="valid", severity="error") for p in exc.errors]))
            unreadable = unreadable or getattr(exc, "malformed_json", False)
    machines = {_machine_name(p): d for p, d in loaded.items()}
    failed = False
    for path, definition in loaded.items():
        invalid = validate(definition)
        try:
            lines = pointer_lines(path)
        except (OSError, UnicodeDecodeError):
            lines = {}
        if invalid:
            problems = [dict(p.to_dict(), rule="valid", severity="error") for p in invalid]
            failed = True
        else:
            problems = [p.to_dict() for p in lint_definition(definition, type=sm_type.upper(), machines=machines,
                                                             name=_machine_name(path), disable=disabled)]
        for problem in problems:
            line = line_of(problem["path"], lines)
            if line is not None:
                problem["line"] = line
        reports.append(_report(path, problems))
    reports.sort(key=lambda r: files.index(r["file"]))
    if fmt == "json":
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
    else:
        _render(reports)
    warnings = any(p["severity"] == "warning" for r in reports for p in r["errors"])
    if unreadable:
        sys.exit(EXIT_USAGE)
    if failed or any(p["severity"] == "error" for r in reports for p in r["errors"]):
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_FAILED if strict and warnings else EXIT_OK)


def _report(path: str, problems: list[dict]) -> dict:
    return {"file": path, "valid": not problems, "errors": problems}


def _render(reports) -> None:
    total = 0
    for report in reports:
        for problem in report["errors"]:
            total += 1
            where = f"{report['file']}:{problem['line']}" if problem.get("line") else report["file"]
            pointer = problem["path"] or "/"
            click.echo(f"{where}: {problem['severity']} [{problem['rule']}] {pointer}: {problem['message']}")
    files = len(reports)
    click.echo(f"{total} problem{'s' if total != 1 else ''} in {files} file{'s' if files != 1 else ''}"
               if total else f"no problems in {files} file{'s' if files != 1 else ''}")
