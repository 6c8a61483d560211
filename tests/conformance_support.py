"""Running the recorded-against-AWS conformance corpus in-process (shared/conformance)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ASL_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance"))
KNOWN_FAILURES_FILE = ROOT / "tests" / "conformance_known_failures.txt"


def available() -> bool:
    return (CORPUS / "run.py").is_file() and (CORPUS / "localstack").is_dir()


def case_files() -> list[Path]:
    if not available():
        return []
    return sorted((CORPUS / "localstack").glob("*/*.json"))


def known_failures() -> dict[str, str]:
    """id -> reason, from the known-failures file (one `id  reason` per line)."""
    out = {}
    if KNOWN_FAILURES_FILE.exists():
        for line in KNOWN_FAILURES_FILE.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                case_id, _, reason = line.partition(" ")
                out[case_id] = reason.strip()
    return out


def _module(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def runner():
    """The corpus's own runner module (its judge() is how the project is scored)."""
    import functools

    import jsonpath_ng.ext

    # The judge parses the same few normalisation paths for every case; parsing is the slow part.
    if not hasattr(jsonpath_ng.ext.parse, "cache_info"):
        jsonpath_ng.ext.parse = functools.lru_cache(maxsize=None)(jsonpath_ng.ext.parse)
    sys.path.insert(0, str(CORPUS))
    return _module("run", CORPUS / "run.py")


def handlers() -> dict:
    from asl_runtime.integrations.local_lambda import load_handlers
    return load_handlers(str(CORPUS / "handlers.py"))


def run_case(case: dict, lambda_handlers: dict) -> dict:
    """Run one case with the Python API; returns the CLI's JSON result shape."""
    from asl_runtime import DefinitionError, StateMachine

    ctx = case["context"]
    try:
        machine = StateMachine.from_json(json.loads(json.dumps(case["definition"])))
    except DefinitionError as exc:
        return {"status": "CREATE_FAILED", "cause": str(exc)}
    result = machine.run(
        case["input"], handlers=lambda_handlers, execution_name=ctx["execution_name"],
        state_machine_name=ctx["state_machine_name"], account_id=ctx["account_id"], region=ctx["region"],
        role_arn=ctx["role_arn"], state_machine_type=ctx.get("state_machine_type", "STANDARD"),
        express_execution_id=ctx.get("express_execution_id") or None)
    return json.loads(json.dumps(result.to_dict()))
