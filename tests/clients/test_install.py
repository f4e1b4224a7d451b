"""The package installs on its own into a fresh virtual environment, its dependencies resolved from its own
metadata (this needs PyPI, or uv's cache of it). uv builds it through the same PEP 517 backend pip would, in
seconds where pip takes minutes to fetch the same wheels again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import ROOT

pytestmark = pytest.mark.e2e


def test_the_client_installs_on_its_own_with_its_rp_command(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    uv = str(ROOT / ".tools" / "uv" / "bin" / "uv")
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    installed = subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(ROOT / "clients" / "python")],
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
