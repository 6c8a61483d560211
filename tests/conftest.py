import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Property tests and fuzzing run the same examples on every machine and keep no example database,
# so CI is deterministic and a clean checkout behaves like any other.
settings.register_profile("asl", derandomize=True, database=None, deadline=None)
settings.load_profile("asl")


def _plugin_installed() -> bool:
    from importlib.metadata import entry_points
    return any(ep.value == "asl_runtime.testing.plugin" for ep in entry_points(group="pytest11"))


# The `asl` fixture comes from the package's pytest11 entry point once installed; a checkout whose
# install predates the entry point registers it here.
pytest_plugins = [] if _plugin_installed() else ["asl_runtime.testing.plugin"]


@pytest.fixture
def api():
    """A loopback HTTP API (http_support.start_api) for HTTP Task tests, shut down afterwards."""
    from http_support import start_api

    server = start_api()
    yield server
    server.server.shutdown()
    server.server.server_close()
