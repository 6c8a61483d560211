"""The `asl` command: thin over the library; JSON on stdout for tools, rich text for people.

Each subcommand imports what it uses inside its function (the library, rich, the server), so
`asl --help` and `asl validate` do not pay for `asl run`'s imports and start-up stays short;
the same holds for the other cli/*_cmd.py modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click

from asl_runtime.errors import DefinitionError, InvalidExecutionInput
from asl_runtime.limits import MAX_PAYLOAD_BYTES
from asl_runtime.query.json_limits import MAX_NESTING, finite_float

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_INPUT_BYTES = MAX_PAYLOAD_BYTES


def _fail_usage(message: str) -> None:
    click.echo(f"asl: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="asl-runtime", prog_name="asl")
def main():
    """Run and validate Amazon States Language state machines locally."""


def definition_source_options(command):
    """--substitution, --substitutions and --state-machine-resource: how a definition file is read."""
    for option in reversed([
        click.option("--substitution", "substitution_pairs", multiple=True, metavar="KEY=VALUE",
                     help="fill ${KEY} placeholders, as SAM's DefinitionSubstitutions do (repeatable)"),
        click.option("--substitutions", "substitutions_file", type=click.Path(dir_okay=False),
                     help="a JSON object of substitutions (KEY: VALUE); --substitution wins"),
        click.option("--state-machine-resource", metavar="NAME",
                     help="the state machine resource to read from a SAM/CloudFormation template")]):
        command = option(command)
    return command


# --------------------------------------------------------------------------- validate
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for tools")
@click.option("--type", "sm_type", type=click.Choice(["STANDARD", "EXPRESS"], case_sensitive=False),
              default="STANDARD", show_default=True,
              help="the state machine type: EXPRESS also refuses .sync, callbacks and activities")
@definition_source_options
def validate(files, fmt, sm_type, substitution_pairs, substitutions_file, state_machine_resource):
    """Check definitions as AWS does at CreateStateMachine."""
    from asl_runtime import validate as check
    from asl_runtime.definition.loader import load_definition_file
    from asl_runtime.definition.problems import Problem

    substitutions = _read_substitutions(substitution_pairs, substitutions_file)
    reports = []
    unreadable = False  # DESIGN.md: an unreadable file or malformed JSON is exit 2, not 1
    for path in files:
        try:
            definition = load_definition_file(path, substitutions=substitutions,
                                              state_machine_resource=state_machine_resource)
            problems = check(definition, state_machine_type=sm_type.upper())
        except OSError as exc:
            problems = [Problem("", f"cannot read file: {exc.strerror or exc}")]
            unreadable = True
        except DefinitionError as exc:
            problems = exc.errors
            unreadable = getattr(exc, "malformed_json", False)
        reports.append({"file": path, "valid": not problems, "errors": [p.to_dict() for p in problems]})
    if fmt == "json":
        click.echo(json.dumps(reports, indent=2))
    else:
        from .render import render_validation
        render_validation(reports)
    if unreadable:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK if all(r["valid"] for r in reports) else EXIT_FAILED)


# --------------------------------------------------------------------------- run
def _env_default(var):
    return lambda: os.environ.get(var) or None


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--input", "input_text", help="execution input as JSON text")
@click.option("--input-file", type=click.Path(dir_okay=False), help="file holding the execution input (JSON)")
@click.option("--handlers", "handlers_files", multiple=True, type=click.Path(dir_okay=False),
              help="Python file whose top-level functions are Lambda handlers, keyed by name [env ASL_HANDLERS]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--history", is_flag=True, help="include the execution history (AWS event shapes)")
@click.option("--clock", type=click.Choice(["virtual", "real"]), default="virtual", show_default=True,
              help="virtual: waits and back-offs take no real time")
@click.option("--name", default=_env_default("ASL_EXECUTION_NAME"), help="execution name [env ASL_EXECUTION_NAME]")
@click.option("--state-machine-name", default=_env_default("ASL_STATE_MACHINE_NAME"),
              help="state machine name [env ASL_STATE_MACHINE_NAME]")
@click.option("--account-id", default=_env_default("ASL_ACCOUNT_ID"), help="[env ASL_ACCOUNT_ID]")
@click.option("--region", default=_env_default("ASL_REGION"), help="[env ASL_REGION]")
@click.option("--role-arn", default=_env_default("ASL_ROLE_ARN"), help="[env ASL_ROLE_ARN]")
@click.option("--type", "sm_type", type=click.Choice(["STANDARD", "EXPRESS"], case_sensitive=False),
              default=_env_default("ASL_STATE_MACHINE_TYPE"), help="[env ASL_STATE_MACHINE_TYPE]")
@click.option("--mock-config", type=click.Path(dir_okay=False),
              help="MockConfigFile (JSON) with mocked Task responses; use with --test-case")
@click.option("--test-case", help="the test case of --mock-config to run (looked up under the state machine name)")
@click.option("--state-machine", "state_machine_files", multiple=True, metavar="NAME=FILE",
              help="a state machine that states:startExecution may start, by name or ARN (repeatable)")
@click.option("--live/--no-live", default=None,
              help="redraw the running states as they go (default: on a terminal under --clock real)")
@click.option("--graph", "show_graph", is_flag=True, help="draw the states taken on the state machine's graph")
@click.option("--timeline", is_flag=True, help="bars in time, the critical path marked")
@click.option("--show-io", is_flag=True, help="each state's input and output in the tree")
@click.option("--state", "state_name", metavar="NAME", help="the input and output of every visit to state NAME")
@click.option("--save", "save_path", type=click.Path(dir_okay=False),
              help="keep the execution in a file for `asl show` / `asl report`")
@click.option("--no-color", is_flag=True, help="no colours (also: the NO_COLOR environment variable)")
@click.option("--connections", "connections_file", type=click.Path(dir_okay=False),
              help="JSON object: EventBridge connection ARN -> its AuthParameters, for HTTP Tasks")
@click.option("--allow-aws", is_flag=True, default=None,
              help="let Tasks call real AWS with this machine's credentials; by default only moto or "
                   "an endpoint (ASL_AWS_ENDPOINT_URL) is called [env ASL_ALLOW_AWS=1]")
@definition_source_options
def run(file, input_text, input_file, handlers_files, fmt, history, clock, name, state_machine_name,
        account_id, region, role_arn, sm_type, mock_config, test_case, state_machine_files,
        live, show_graph, timeline, show_io, state_name, save_path, no_color, connections_file, allow_aws,
        substitution_pairs, substitutions_file, state_machine_resource):
    """Run one execution of a state machine and report how it ended."""
    from asl_runtime.api import StateMachine
    from asl_runtime.integrations.connections import Connections, ConnectionsError
    from asl_runtime.integrations.mocks import MockConfigError

    if input_text is not None and input_file is not None:
        _fail_usage("give either --input or --input-file, not both")
    _check_context(name, state_machine_name, region)
    substitutions = _read_substitutions(substitution_pairs, substitutions_file)
    try:
        machine = StateMachine.from_file(file, name=state_machine_name, substitutions=substitutions,
                                         state_machine_resource=state_machine_resource)
    except OSError as exc:
        _fail_usage(f"cannot read {file}: {exc.strerror or exc}")
    except DefinitionError as exc:
        lines = "\n".join(f"  {p.path or '/'}: {p.message}" for p in exc.errors)
        _fail_usage(f"{file} is not a valid state machine definition:\n{lines}")
    execution_input = _read_input(input_text, input_file)
    # With --format json stdout holds the one result object: what handlers print goes to stderr.
    handler_output = contextlib.redirect_stdout(sys.stderr) if fmt == "json" else contextlib.nullcontext()
    with handler_output:
        handlers = _load_handlers(handlers_files)
        nested = _load_state_machines(state_machine_files, substitutions)
    if (mock_config is None) != (test_case is None):
        _fail_usage("--mock-config and --test-case go together: give both")
    try:
        connections = Connections.load(connections_file) if connections_file else None
    except ConnectionsError as exc:
        _fail_usage(f"--connections: {exc}")
    options = dict(
        handlers=handlers, clock=clock, execution_name=name,
        state_machine_name=state_machine_name, account_id=account_id, region=region, role_arn=role_arn,
        state_machine_type=(sm_type or "STANDARD").upper(),
        express_execution_id=os.environ.get("ASL_EXPRESS_EXECUTION_ID") or None,
        mock_config=mock_config, test_case=test_case, state_machines=nested, connections=connections,
        allow_aws=allow_aws or None)
    # Live: asked for, or by default on a terminal under the real clock; never when not a terminal.
    live_view = fmt == "text" and (live if live is not None else clock == "real") and sys.stdout.isatty()
    model = None
    try:
        with handler_output:
            if live_view:
                from .render import run_live
                result, model = run_live(lambda observers: machine.run(execution_input, observers=observers,
                                                                       **options),
                                         machine.definition, no_color)
            else:
                result = machine.run(execution_input, **options)
    except MockConfigError as exc:
        _fail_usage(str(exc))
    except InvalidExecutionInput as exc:
        _fail_usage(str(exc))
    except DefinitionError as exc:  # what an EXPRESS machine may not use
        lines = "\n".join(f"  {p.path or '/'}: {p.message}" for p in exc.errors)
        _fail_usage(f"{file} is not a valid {(sm_type or 'STANDARD').upper()} state machine definition:\n{lines}")
    if save_path is not None:
        _save_run(save_path, result, machine.definition, clock)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(history=history), ensure_ascii=False))
    else:
        from .render import render_execution
        render_execution(result, show_history=history, definition=machine.definition, clock=clock,
                         show_io=show_io, state=state_name, timeline=timeline, graph=show_graph,
                         no_color=no_color, model=model)
    if result.error == "Lambda.ResourceNotFoundException" and not handlers:
        click.echo("asl: hint: no handlers were given; pass --handlers FILE with a function named after "
                   "the Lambda function", err=True)
    sys.exit(EXIT_OK if result.status == "SUCCEEDED" else EXIT_FAILED)


def _read_substitutions(pairs, path) -> dict:
    """--substitutions FILE (a JSON object) overlaid by each --substitution KEY=VALUE."""
    from asl_runtime.definition.substitutions import parse_pairs, substitution_text

    out = {}
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                given = json.load(fh)
        except OSError as exc:
            _fail_usage(f"cannot read --substitutions file {path}: {exc.strerror or exc}")
        except ValueError as exc:
            _fail_usage(f"--substitutions {path} is not valid JSON: {exc}")
        if not isinstance(given, dict):
            _fail_usage(f"--substitutions {path} must hold a JSON object of KEY: VALUE")
        for key, value in given.items():
            try:
                out[key] = substitution_text(value)
            except TypeError as exc:
                _fail_usage(f"--substitutions {path}: {key}: {exc}")
    try:
        out.update(parse_pairs(pairs))
    except ValueError as exc:
        _fail_usage(str(exc))
    return out


def _check_context(name, state_machine_name, region):
    """--name, --state-machine-name and --region (or their ASL_* variables) as AWS checks them."""
    from asl_runtime.names import name_problem, region_problem

    for flag, value, what in (("--name", name, "execution name"),
                              ("--state-machine-name", state_machine_name, "state machine name")):
        problem = name_problem(value, what) if value is not None else None
        if problem:
            _fail_usage(f"{flag}: {problem}")
    problem = region_problem(region) if region is not None else None
    if problem:
        _fail_usage(f"--region: {problem}")


def _save_run(path, result, definition, clock):
    from asl_runtime.views.saved import saved_run

    try:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(saved_run(result, definition, clock), fh, ensure_ascii=False, indent=1)
    except OSError as exc:
        _fail_usage(f"cannot write --save file {path}: {exc.strerror or exc}")


def _read_input(input_text, input_file):
    source = "--input"
    if input_file is not None:
        source = input_file
        try:
            with open(input_file, encoding="utf-8") as fh:
                input_text = fh.read()
        except OSError as exc:
            _fail_usage(f"cannot read input file {input_file}: {exc.strerror or exc}")
        except UnicodeDecodeError as exc:
            _fail_usage(f"the execution input from {source} is not valid JSON: not UTF-8 text ({exc.reason})")
    if input_text is None:
        return {}
    if len(input_text.encode("utf-8")) > MAX_INPUT_BYTES:
        _fail_usage(f"the execution input from {source} is {len(input_text.encode('utf-8')):,} bytes; "
                    f"AWS accepts at most {MAX_INPUT_BYTES:,}")
    try:
        return json.loads(input_text, parse_constant=_no_constant, parse_float=finite_float)
    except RecursionError:
        _fail_usage(f"the execution input from {source} is nested more than {MAX_NESTING} levels "
                    f"deep, more than asl-runtime processes")
    except json.JSONDecodeError as exc:
        _fail_usage(f"the execution input from {source} is not valid JSON: {exc.msg} "
                    f"(line {exc.lineno}, column {exc.colno})")
    except ValueError as exc:
        _fail_usage(f"the execution input from {source} is not valid JSON: {exc}")


def _no_constant(name):
    # Python's json reads NaN and Infinity; JSON (and AWS) does not, and --format json must stay JSON.
    raise ValueError(f"{name} is not a JSON value")


def _load_handlers(paths):
    from asl_runtime.integrations.local_lambda import HandlersFileError, load_handler_files

    paths = list(paths) or ([os.environ["ASL_HANDLERS"]] if os.environ.get("ASL_HANDLERS") else [])
    try:
        return load_handler_files(paths)
    except HandlersFileError as exc:
        _fail_usage(str(exc))


def _load_state_machines(specs, substitutions=None):
    """--state-machine NAME=FILE options as {name: StateMachine}; any problem is a usage error."""
    from asl_runtime.api import StateMachine

    machines = {}
    for spec in specs:
        key, sep, path = spec.partition("=")
        if not sep or not key or not path:
            _fail_usage(f"--state-machine takes NAME=FILE (a name or state machine ARN, '=', a definition "
                        f"file), not '{spec}'")
        try:
            machines[key] = StateMachine.from_file(path, name=key.split(":")[6] if key.count(":") >= 6 else key,
                                                   substitutions=substitutions)
        except OSError as exc:
            _fail_usage(f"cannot read {path} (--state-machine {key}): {exc.strerror or exc}")
        except DefinitionError as exc:
            lines = "\n".join(f"  {p.path or '/'}: {p.message}" for p in exc.errors)
            _fail_usage(f"{path} (--state-machine {key}) is not a valid state machine definition:\n{lines}")
    return machines


from .serve_cmd import serve  # noqa: E402
main.add_command(serve)
from .lint_cmd import lint  # noqa: E402
main.add_command(lint)
from .deploy_cmd import deploy  # noqa: E402
main.add_command(deploy)
from .graph_cmd import graph  # noqa: E402
main.add_command(graph)
from .show_cmd import show  # noqa: E402
main.add_command(show)
from .test_cmd import test  # noqa: E402
main.add_command(test)
from .report_cmd import report  # noqa: E402
main.add_command(report)


def entry():
    """Console-script entry: a bug inside asl-runtime is one clear line, not a traceback."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - last line of defence for people and tools
        if os.environ.get("ASL_DEBUG"):
            raise
        click.echo(f"asl: internal error: {type(exc).__name__}: {exc} (set ASL_DEBUG=1 for a traceback; "
                   f"please report it)", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    entry()
