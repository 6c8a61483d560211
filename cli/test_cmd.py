"""`asl test SUITE...`: run suites of cases against state machines, with coverage and failure injection."""

from __future__ import annotations

import json
import os
import sys

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@click.command()
@click.argument("suites", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="write the results as JUnit XML")
@click.option("--coverage", "show_coverage", is_flag=True, help="print state machine coverage")
@click.option("--coverage-json", type=click.Path(dir_okay=False), help="write coverage as JSON")
@click.option("--coverage-xml", type=click.Path(dir_okay=False),
              help="write coverage as Cobertura XML (each state at the line of its name)")
@click.option("--inject", is_flag=True, help="inject each failure into each Task, Map and Parallel and report "
                                             "recovered / caught / unhandled")
@click.option("--fail-on-unhandled", is_flag=True, help="with --inject: exit 1 when an injected failure is unhandled")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test(suites, junit_xml, show_coverage, coverage_json, coverage_xml, inject, fail_on_unhandled, fmt):
    """Run test suites (JSON or YAML): exit 0 when every test passes, 1 when one fails, 2 for a bad suite."""
    from asl_runtime.testing.coverage import Coverage
    from asl_runtime.testing.cost import ZERO
    from asl_runtime.testing.suite import SuiteError, load_suite, run_suite

    if fail_on_unhandled and not inject:
        click.echo("asl: error: --fail-on-unhandled goes with --inject", err=True)
        sys.exit(EXIT_USAGE)
    loaded = []
    for path in suites:
        try:
            loaded.append(load_suite(path))
        except SuiteError as exc:
            click.echo(f"asl: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    coverage = Coverage()

    def record(suite, result, definition=None):
        key = os.path.relpath(suite.definition_path)
        coverage.add(key, suite.machine.definition, result, suite.definition_path)

    results, injections, costs = [], [], {}
    for suite in loaded:
        cases = run_suite(suite, on_result=record)
        results.append((suite, cases))
        total = ZERO
        for case in cases:
            if case.estimate is not None:
                total = total + case.estimate
        costs[suite.name] = total
        if inject:
            injections += _inject(suite, cases, record)

    if fmt == "json":
        out = {"tests": [c.to_dict() for _s, cases in results for c in cases],
               "coverage": coverage.to_dict(),
               "injections": [i.to_dict() for i in injections],
               "estimates": {name: total.to_dict() for name, total in costs.items()}}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    else:
        _render(results, costs, injections if inject else None, coverage if show_coverage else None)
    if junit_xml:
        from asl_runtime.testing.junit import junit_xml as to_junit
        _write(junit_xml, to_junit([(s.name, cases) for s, cases in results]))
    if coverage_json:
        _write(coverage_json, json.dumps(coverage.to_dict(), indent=2, ensure_ascii=False) + "\n")
    if coverage_xml:
        _write(coverage_xml, coverage.cobertura(os.getcwd()))
    if any(c.error for _s, cases in results for c in cases):
        sys.exit(EXIT_USAGE)
    failed = any(not c.passed for _s, cases in results for c in cases)
    unhandled = fail_on_unhandled and any(i.outcome == "unhandled" for i in injections)
    sys.exit(EXIT_FAILED if failed or unhandled else EXIT_OK)


def _inject(suite, cases, record):
    """Inject from a case whose run enters each state (its input, its mocks): the first that
    succeeded if one did, so the failure meets the path the machine takes when all goes well."""
    from asl_runtime.api import StateMachine
    from asl_runtime.testing.injection import inject_all, points
    from asl_runtime.testing.suite import run_case

    found = []
    by_state = {}
    ranked = sorted((c for c in cases if c.result is not None), key=lambda c: c.result.status != "SUCCEEDED")
    for point in points(suite.machine.definition):
        for case in ranked:
            if case.result.visits(point.state):
                by_state[point.state] = case
                break
    plan = {}
    for state, case in by_state.items():
        plan.setdefault(case.name, []).append(state)
    cases_by_name = {c.name: c for c in suite.cases}
    for case_name, states in plan.items():
        case = cases_by_name[case_name]

        def run(definition, mocks, case=case):
            machine = suite.machine if definition is None else \
                StateMachine.from_json(definition, name=suite.state_machine_name)
            outcome = run_case(suite, case, mocks=mocks, machine=machine)
            if outcome.result is None:
                raise click.ClickException(outcome.error or "an injected run could not start")
            record(suite, outcome.result)
            return outcome.result

        found += inject_all(suite.machine.definition, run, reached=lambda s, states=states: s in states,
                            case=case_name)
    return found


def _write(path, text):
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        click.echo(f"asl: error: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


def _render(results, costs, injections, coverage):
    from asl_runtime.testing.cost import describe

    passed = failed = 0
    for suite, cases in results:
        click.echo(f"{suite.name} ({os.path.relpath(suite.path)})")
        for case in cases:
            if case.passed:
                passed += 1
                click.echo(f"  PASS {case.name}  ({' → '.join(case.path)}; {case.result.transitions} transitions, "
                           f"{case.result.duration:,.1f} s simulated)")
                continue
            failed += 1
            click.echo(f"  FAIL {case.name}")
            for line in case.report.splitlines():
                click.echo(f"       {line}")
        click.echo(f"  cost: {describe(costs[suite.name])}")
    if injections is not None:
        click.echo("")
        click.echo(f"failure injection: {len(injections)} injected failures")
        for outcome in ("recovered", "caught", "unhandled"):
            group = [i for i in injections if i.outcome == outcome]
            click.echo(f"  {outcome}: {len(group)}")
            for injection in group:
                click.echo(f"    {injection.describe()}")
    if coverage is not None:
        click.echo("")
        click.echo(coverage.table())
    click.echo("")
    click.echo(f"{passed} passed, {failed} failed")
