"""Shapes real workflows use (service integrations, distributed Map, JSONata HTTP tasks) validate.

AWS accepts these forms at CreateStateMachine, so the validator must too; the files are in
tests/data/real_world/.
"""

import json
from pathlib import Path

import pytest

from asl_runtime.definition.validator import validate

FILES = sorted((Path(__file__).parent / "data" / "real_world").glob("*.asl.json"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_real_world_definition_is_accepted(path):
    assert validate(json.loads(path.read_text())) == []


def test_there_are_real_world_definitions():
    assert len(FILES) >= 3
