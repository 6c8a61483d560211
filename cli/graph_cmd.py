"""`asl graph FILE`: the state machine drawn in the terminal, or as Mermaid / Graphviz dot text."""

from __future__ import annotations

import sys

import click


@click.command("graph")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text", show_default=True,
              help="text: boxes and arrows for the terminal; mermaid / dot: for docs and pull requests")
@click.option("--no-color", is_flag=True, help="no colours (also: the NO_COLOR environment variable)")
def graph(file, fmt, no_color):
    """Draw a state machine: Choice rules labelled, Catch edges dashed, branches nested."""
    from asl_runtime.definition.validator import validate
    from asl_runtime.views.console import layout_width, make_console
    from asl_runtime.views.graph_text import dot, graph_text, mermaid
    from asl_runtime.views.saved import ViewInputError, load_definition

    try:
        definition = load_definition(file)
    except ViewInputError as exc:
        click.echo(f"asl: error: {exc}", err=True)
        sys.exit(2)
    problems = validate(definition)
    if problems:
        lines = "\n".join(f"  {p.path or '/'}: {p.message}" for p in problems)
        click.echo(f"asl: error: {file} is not a valid state machine definition:\n{lines}", err=True)
        sys.exit(2)
    if fmt == "mermaid":
        click.echo(mermaid(definition), nl=False)
    elif fmt == "dot":
        click.echo(dot(definition), nl=False)
    else:
        console = make_console(no_color)
        console.print(graph_text(definition, width=min(layout_width(console), 120)))
