import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _plugin_installed() -> bool:
    from importlib.metadata import entry_points
    return any(ep.value == "asl_runtime.testing.plugin" for ep in entry_points(group="pytest11"))


# The `asl` fixture comes from the package's pytest11 entry point once installed; a checkout whose
# install predates the entry point registers it here.
pytest_plugins = [] if _plugin_installed() else ["asl_runtime.testing.plugin"]
