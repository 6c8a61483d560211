"""`asl report FILE -o report.html`: one self-contained HTML page of an execution."""

from __future__ import annotations

import sys

import click


@click.command("report")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="the HTML file to write")
@click.option("--describe", "describe_file", type=click.Path(dir_okay=False),
              help="the JSON of `aws stepfunctions describe-execution` for the same execution")
@click.option("--graph", "graph_definition", metavar="DEFINITION",
              help="the state machine definition to draw (default: the one saved with the run)")
def report(file, output, describe_file, graph_definition):
    """Write an execution (an `asl run --save` file or get-execution-history JSON) as an HTML page."""
    from asl_runtime.views.report import report_html
    from asl_runtime.views.saved import ViewInputError, load_execution

    try:
        model, definition = load_execution(file, describe_file, graph_definition)
    except ViewInputError as exc:
        click.echo(f"asl: error: {exc}", err=True)
        sys.exit(2)
    html = report_html(model, definition)
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(html)
    except OSError as exc:
        click.echo(f"asl: error: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {output} ({len(html.encode('utf-8')):,} bytes)", err=True)
