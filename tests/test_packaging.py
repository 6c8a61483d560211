"""The wheel must ship every package of the source tree (the explicit list in pyproject.toml)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"asl_runtime." + ".".join(p.parent.relative_to(ROOT / "asl_runtime").parts)
             for p in (ROOT / "asl_runtime").rglob("__init__.py")}
    found = {name.rstrip(".") for name in found}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert {"asl_runtime.cli", "asl_runtime.schemas"} <= listed
    assert config["package-dir"]["asl_runtime.cli"] == "cli"
    assert config["package-dir"]["asl_runtime.schemas"] == "schemas"


def test_schema_is_package_data():
    from importlib.resources import files

    assert files("asl_runtime.schemas").joinpath("asl.schema.json").is_file()
