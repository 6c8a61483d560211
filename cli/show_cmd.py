"""`asl show FILE`: a saved run, or a real AWS execution's history, as the same views as `asl run`."""

from __future__ import annotations

import sys

import click


@click.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--describe", "describe_file", type=click.Path(dir_okay=False),
              help="the JSON of `aws stepfunctions describe-execution` for the same execution")
@click.option("--graph", "graph_definition", is_flag=False, flag_value="", default=None, metavar="DEFINITION",
              help="draw the states taken on the graph of DEFINITION (alone: the definition saved with the run)")
@click.option("--timeline", is_flag=True, help="bars in time, the critical path marked")
@click.option("--show-io", is_flag=True, help="each state's input and output")
@click.option("--state", "state_name", metavar="NAME", help="the input and output of every visit to state NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True, help="no colours (also: the NO_COLOR environment variable)")
def show(file, describe_file, graph_definition, timeline, show_io, state_name, fmt, no_color):
    """Show an execution recorded elsewhere: `asl run --save` output, or get-execution-history JSON."""
    from asl_runtime.views.console import make_console
    from asl_runtime.views.saved import ViewInputError, load_execution
    from asl_runtime.views.text import render_execution_view

    try:
        model, definition = load_execution(file, describe_file, graph_definition or None)
    except ViewInputError as exc:
        click.echo(f"asl: error: {exc}", err=True)
        sys.exit(2)
    if graph_definition == "" and definition is None:
        click.echo(f"asl: error: {file} holds no definition to draw; give one: --graph DEFINITION", err=True)
        sys.exit(2)
    if fmt == "json":
        from asl_runtime.views.export import model_to_dict
        import json
        click.echo(json.dumps(model_to_dict(model), ensure_ascii=False))
        return
    render_execution_view(make_console(no_color), model, show_io=show_io, state=state_name,
                          show_timeline=timeline,
                          graph_definition=definition if graph_definition is not None else None)
