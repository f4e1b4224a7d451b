"""The package installs on its own, with plain pip, into a fresh virtual environment (this needs PyPI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import ROOT

pytestmark = pytest.mark.e2e


def test_pip_installs_the_client_and_its_rp_command(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(ROOT / "clients" / "python")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    helped = subprocess.run([str(venv / "bin" / "rp"), "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: rp ")
    assert all(command in helped.stdout for command in ("research", "follow", "docs", "report", "watch", "mcp"))
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import researcher_pro_client as rp; print(rp.Client.__name__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.stdout.strip() == "Client"
