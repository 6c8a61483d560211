"""The live view: a frame of the running execution (running states, Map progress, retries as they
happen) from the engine's event stream, and `asl run --live --clock real` driven in tmux."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from asl_runtime.views.live import LiveModel, frame

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Ev:
    """Shaped as the engine's Event (engine/events.py)."""

    type: str
    id: int = 0
    previous_id: int = 0
    timestamp: float = 0.0
    details: dict = field(default_factory=dict)
    scope: tuple = ()


def draw(live, now) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(frame(live, now=now))
    return console.export_text()


def test_a_frame_shows_running_states_map_progress_and_retries():
    live = LiveModel()
    t = 1_000.0
    live(Ev("ExecutionStarted", 1, 0, t, {"input": {}}))
    live(Ev("MapStateEntered", 2, 0, t, {"name": "Each", "input": [1, 2, 3, 4, 5]}))
    live(Ev("MapStateStarted", 3, 2, t, {"length": 5}))
    events = 4
    for index, outcome in enumerate(["MapIterationSucceeded", "MapIterationSucceeded", "MapIterationFailed", None]):
        scope = (("Map", "Each", index),)
        live(Ev("MapIterationStarted", events, 3, t, {"name": "Each", "index": index}, scope))
        live(Ev("TaskStateEntered", events + 1, events, t, {"name": "Work", "input": index}, scope))
        if outcome:
            live(Ev(outcome, events + 2, events + 1, t + 1, {"name": "Each", "index": index}, scope))
        events += 3
    scope = (("Map", "Each", 3),)
    live(Ev("TaskScheduled", events, events - 2, t + 1, {"resource": "r"}, scope))
    live(Ev("TaskFailed", events + 1, events, t + 2, {"error": "Busy", "cause": "later"}, scope))
    live(Ev("RetryScheduled", 0, events + 1, t + 2, {"name": "Work", "error": "Busy", "cause": "later",
                                                     "retrier_index": 0, "attempt": 1, "backoff_seconds": 2.0}, scope))
    live(Ev("TaskScheduled", events + 2, events + 1, t + 4, {"resource": "r"}, scope))
    text = draw(live, now=t + 5)
    assert "Execution RUNNING  5.000s" in text
    assert "▶ Each  Map  5.000s  [" in text and "] 2 done, 1 failed, 1 running of 5" in text
    assert "▶ Each[3]/Work  Task" in text and "attempt 2 (after Busy)" in text
    assert "↻ Work failed with Busy; retry 1 in 2.000s" in text
    assert "Each[0]/Work" not in text  # finished iterations leave the frame


def test_observer_survives_threads():
    import threading

    live = LiveModel()
    live(Ev("ExecutionStarted", 1, 0, 0.0, {}))
    live(Ev("MapStateEntered", 2, 0, 0.0, {"name": "M"}))
    live(Ev("MapStateStarted", 3, 2, 0.0, {"length": 40}))

    def iteration(i):
        scope = (("Map", "M", i),)
        live(Ev("MapIterationStarted", 0, 0, 0.0, {"name": "M", "index": i}, scope))
        live(Ev("PassStateEntered", 0, 0, 0.0, {"name": "P"}, scope))
        draw(live, now=1.0)
        live(Ev("PassStateExited", 0, 0, 0.0, {"name": "P"}, scope))
        live(Ev("MapIterationSucceeded", 0, 0, 0.0, {"name": "M", "index": i}, scope))

    threads = [threading.Thread(target=iteration, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "40 done, 0 failed, 0 running of 40" in draw(live, now=1.0)


def _has_event_stream() -> bool:
    try:
        import asl_runtime.engine.events  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.skipif(not _has_event_stream(), reason="the engine's event stream (engine/events.py) is not here")
def test_asl_run_live_in_a_terminal(tmp_path):
    machine = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "MaxConcurrency": 2, "Next": "Done", "ItemProcessor": {
            "StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "End": True}}}},
        "Done": {"Type": "Pass", "End": True}}}
    (tmp_path / "m.json").write_text(json.dumps(machine))
    session = f"asl-live-{uuid.uuid4().hex[:8]}"
    command = (f"cd {ROOT} && {sys.executable} -m asl_runtime.cli.main run {tmp_path / 'm.json'} "
               f"--input '[1,2,3,4]' --live --clock real; echo EXIT=$?; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "40", command], check=True,
                   env={**os.environ, "TERM": "xterm-256color"})
    try:
        def screen():
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout

        seen_live = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = screen()
            if "running of 4" in text:
                seen_live = text
            if "EXIT=" in text:
                break
            time.sleep(0.1)
        final = screen()
        assert seen_live is not None, final
        assert "▶ Each  Map" in seen_live
        assert "EXIT=0" in final and "Execution SUCCEEDED" in final
        assert "✓ Each  Map" in final and "4 items: 4 ✓" in final
        assert "running of 4" not in final and "recent" not in final  # the live frame is gone
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_the_event_stream_builds_the_same_tree_as_the_history():
    from test_views_model import NESTED, charge, render

    from asl_runtime import StateMachine
    from asl_runtime.views.model import ExecutionModel

    live = LiveModel()
    result = StateMachine.from_json(NESTED).run({"items": [3, 1, 2]}, handlers={"charge": charge}, observers=[live])
    from_history = ExecutionModel.from_history(result.history)
    for model in (live.model, from_history):
        model.source, model.execution_arn = "virtual", result.execution_arn
    streamed, recorded = render(live.model), render(from_history)
    assert streamed == recorded
    fan = live.model.root[0]
    assert [c.status for c in fan.ordered_children()] == ["SUCCEEDED", "SUCCEEDED"]


def test_nothing_live_when_the_output_is_not_a_terminal(tmp_path):
    from click.testing import CliRunner

    from asl_runtime.cli.main import main

    machine = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": True}}}
    (tmp_path / "m.json").write_text(json.dumps(machine))
    result = CliRunner().invoke(main, ["run", str(tmp_path / "m.json"), "--live", "--clock", "real"])
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout and "recent" not in result.stdout
    assert "✓ W  Wait" in result.stdout
