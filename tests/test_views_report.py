"""`asl report`: one self-contained HTML page (graph, timeline, states with their input and
output, events), checked in a real headless Chromium when the system has one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from asl_runtime import StateMachine
from asl_runtime.cli.main import main
from asl_runtime.views.model import ExecutionModel
from asl_runtime.views.report import report_html

from test_views_model import NESTED, charge

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A nested Map/Parallel/retry/catch run kept with `asl run --save`."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "m.json").write_text(json.dumps(NESTED))
    (folder / "h.py").write_text("class Busy(Exception):\n    pass\n\n"
                                 "def charge(event, context):\n    raise Busy('card processor busy')\n")
    result = CliRunner().invoke(main, ["run", str(folder / "m.json"), "--input", '{"items": [3, 1, 2]}',
                                       "--handlers", str(folder / "h.py"), "--save", str(folder / "run.json")])
    assert result.exit_code == 1, result.output
    return folder


def test_report_is_one_self_contained_file(saved):
    out = saved / "report.html"
    result = CliRunner().invoke(main, ["report", str(saved / "run.json"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    # Nothing is fetched: no external scripts, styles, images or fonts.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    for name in ("Fan", "Slow", "Quick", "Quicker", "Each", "Item", "Charge", "Refund", "Failed"):
        assert f'data-state="{name}"' in html
    assert "Each[2]/Item" in html and "retry after 1.000s" in html and "caught Busy → Refund" in html
    assert "&quot;items&quot;: [" in html  # each state's input, as JSON


def test_report_of_a_big_payload_says_what_it_left_out():
    big = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * 60_000, "End": True}}}
    model = ExecutionModel.from_history(StateMachine.from_json(big).run({}).history)
    assert "more characters not shown" in report_html(model, big)


def test_report_refuses_what_show_refuses(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"executions": []}')
    result = CliRunner().invoke(main, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "holds no execution history" in result.output


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium) to render the report in")
def test_the_report_renders_in_headless_chromium(saved, tmp_path):
    out = saved / "report.html"
    CliRunner().invoke(main, ["report", str(saved / "run.json"), "-o", str(out)])
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(common + ["--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The inline script ran: it marks the body and counts the event rows.
    assert 'data-ready="yes"' in dom.stdout
    count = re.search(r'<span id="event-count">(\d+)</span>', dom.stdout)
    history = json.loads((saved / "run.json").read_text())["events"]
    assert count and int(count.group(1)) == len(history)
    shot = tmp_path / "report.png"
    subprocess.run(common + ["--window-size=1200,900", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=120, cwd=tmp_path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
