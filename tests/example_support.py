"""Loading a bundled example of state_machines/ for its tests: definition, input, fresh handlers."""

import json
from pathlib import Path

from asl_runtime import StateMachine
from asl_runtime.integrations.local_lambda import load_handlers

EXAMPLES = Path(__file__).resolve().parents[1] / "state_machines"


def example_dir(name: str) -> Path:
    return EXAMPLES / name


def example_input(name: str):
    return json.loads((EXAMPLES / name / "input.json").read_text())


def example_machine(name: str, machine_name: str | None = None) -> StateMachine:
    return StateMachine.from_file(EXAMPLES / name / "definition.asl.json", name=machine_name)


def fresh_handlers(name: str):
    """(handlers, the module globals they share): a newly loaded handlers file, so state is clean."""
    path = EXAMPLES / name / "handlers.py"
    handlers = load_handlers(str(path))
    # Imported helpers (asl_runtime.sleep, ...) are top-level functions too; take the file's own.
    own = next(fn for fn in handlers.values() if fn.__globals__.get("__file__") == str(path))
    return handlers, own.__globals__
