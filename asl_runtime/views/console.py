"""Consoles for people: widths follow the terminal; piped output is never hard-wrapped.

A terminal gets its own width. Anywhere else (a pipe, a file, CI logs) lines are printed whole,
so ARNs, causes and JSON survive `grep` and copy-paste; drawings that need a width (timeline
bars, the graph) use `layout_width`: $COLUMNS, else 100.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

UNWRAPPED = 100_000  # "no width" for rich: content-sized tables and trees, no wrapping


def wants_color(no_color: bool = False) -> bool:
    """NO_COLOR (any value, see no-color.org) and --no-color switch colour off."""
    return not no_color and "NO_COLOR" not in os.environ


def make_console(no_color: bool = False, file=None, stderr: bool = False) -> Console:
    stream = file or (sys.stderr if stderr else sys.stdout)
    tty = hasattr(stream, "isatty") and stream.isatty()
    if tty:
        return Console(file=stream, no_color=not wants_color(no_color), highlight=False)
    return Console(file=stream, width=UNWRAPPED, no_color=True, color_system=None, highlight=False,
                   force_terminal=False, soft_wrap=True)


def layout_width(console: Console) -> int:
    """The width drawings are laid out in: the console's, or $COLUMNS / 100 when unwrapped."""
    if console.width < UNWRAPPED:
        return console.width
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100
