"""The console page (`GET /`), rendered by a real headless browser."""

import json
import shutil
import subprocess
import urllib.parse

import pytest

from server_support import client, create, running_server, wait_done

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium (apt-get install -y chromium)")

FLAKY = {"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Charge"}],
              "Default": "Done"},
    "Charge": {"Type": "Fail", "Error": "Card.Declined", "Cause": "no funds"},
    "Done": {"Type": "Succeed"}}}


def browse(url: str, *extra, tmp_path=None) -> str:
    completed = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                f"--user-data-dir={tmp_path}", *extra, url],
                               capture_output=True, text=True, timeout=90)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


@needs_browser
def test_the_console_lists_machines_with_their_health_and_executions(tmp_path):
    with running_server() as (_, url):
        sfn = client(url)
        arn = create(sfn, "Payments", FLAKY)
        create(sfn, "Idle")
        for i in range(4):
            wait_done(sfn, sfn.start_execution(stateMachineArn=arn, name=f"run-{i}",
                                               input=json.dumps({"fail": i == 0}))["executionArn"])
        dom = browse(url + "/", "--dump-dom", tmp_path=tmp_path)
        assert "<table id=\"state-machines\">" in dom
        row = dom.split("<td>Payments</td>", 1)[1].split("</tr>", 1)[0]
        assert "SUCCEEDED 3" in row and "FAILED 1" in row and "25.0%" in row
        assert "Charge × 1" in row  # the state executions failed in
        assert "<td>Idle</td>" in dom and dom.count(">run-") == 4

        execution = sfn.list_executions(stateMachineArn=arn, statusFilter="FAILED")["executions"][0]["executionArn"]
        link = f"/execution?arn={urllib.parse.quote(execution)}"
        assert f"href=\"{link}\"" in dom  # the console links each execution to its report
        detail = browse(url + link, "--dump-dom", tmp_path=tmp_path)
        assert "FailStateEntered" in detail and "ExecutionFailed" in detail and "Card.Declined" in detail
        # The page is the HTML report of `asl report`: the graph with the state it failed in, the
        # timeline and the states table, and a way back to the console.
        for part in ("id=\"graph\"", "<svg", "id=\"timeline\"", "id=\"states\"", "id=\"events\""):
            assert part in detail, part
        assert "← all executions" in detail
        browse(url + link, "--screenshot=" + str(tmp_path / "execution.png"), "--window-size=1400,900",
               tmp_path=tmp_path)
        assert (tmp_path / "execution.png").stat().st_size > 0
        browse(url + "/", "--screenshot=" + str(tmp_path / "console.png"), "--window-size=1400,700",
               tmp_path=tmp_path)
        assert (tmp_path / "console.png").stat().st_size > 0
