"""`make dev` as a developer uses it: started in a terminal, stopped with Ctrl-C."""

from __future__ import annotations

import pytest

from tests.harness import Cloud

pytestmark = pytest.mark.e2e


def test_ctrl_c_stops_the_whole_cloud_cleanly() -> None:
    cloud = Cloud({}, own_process_group=True)
    assert "SnapStart     not emulated" in "".join(cloud.output)
    assert cloud.http.get("/v1/health").status_code == 200
    # Every function container has started (and so could print a traceback of its own).
    assert cloud.worker_pids()
    status = cloud.interrupt_like_a_terminal()
    output = "".join(cloud.output)
    assert status == 0, output[-3000:]
    assert "Stopping" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output[-3000:]
