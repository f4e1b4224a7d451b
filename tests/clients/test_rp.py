"""`rp` as people and scripts use it: plainly through pipes (JSON, ids, exit codes, one-line errors), and in a
real pseudo-terminal for the live progress bar and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pexpect
import pytest
from researcher_pro_client import Client

from tests.clients.conftest import QUESTION, subscribers
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.pdf import build_pdf
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud, venv_bin

pytestmark = pytest.mark.e2e

RP = str(venv_bin("rp"))
Fakes = tuple[FakeOpenAI, FakePerplexity]


def environment(cloud: Cloud, **extra: str) -> dict[str, str]:
    shell = {k: v for k, v in os.environ.items() if not k.startswith("RP_")}
    return {**shell, "RP_API_URL": cloud.url, "RP_API_KEY": cloud.key, **extra}


def rp(cloud: Cloud, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RP, *args], env=env or environment(cloud), capture_output=True, text=True, timeout=120, check=False
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rp: "), result.stderr
    return lines[0]


def unique(text: str) -> str:
    # A fresh question each time: identical requests are answered from the provider cache, instantly.
    return f"{text} ({uuid.uuid4().hex[:8]})"


def test_research_json_prints_the_finished_cited_research(offline_cloud: Cloud, offline_sdk: Client) -> None:
    result = rp(offline_cloud, "research", QUESTION, "--depth", "quick", "--sources", "documents", "--json")
    assert result.returncode == 0, result.stderr
    research = json.loads(result.stdout)
    assert research["status"] == "succeeded" and "[1]" in research["answer"]
    assert research["sources"][0]["title"] == "Heat pump primer"
    assert result.stderr == ""


def test_no_wait_prints_the_id_then_follow_get_and_list_find_it(offline_cloud: Cloud, offline_sdk: Client) -> None:
    started = rp(offline_cloud, "research", QUESTION, "--depth", "quick", "--sources", "documents", "--no-wait")
    assert started.returncode == 0 and started.stdout.startswith("res_")
    research_id = started.stdout.strip()
    followed = rp(offline_cloud, "follow", research_id)
    assert followed.returncode == 0
    assert "[1]" in followed.stdout and "[1] Heat pump primer  documents: /v1/documents/" in followed.stdout
    assert json.loads(rp(offline_cloud, "get", research_id, "--format", "json").stdout)["id"] == research_id
    assert "Sources" in rp(offline_cloud, "get", research_id).stdout
    assert research_id in rp(offline_cloud, "list", "--limit", "100").stdout


def test_exit_status_and_one_line_errors(offline_cloud: Cloud) -> None:
    no_question = rp(offline_cloud, "research")
    assert no_question.returncode == 2 and one_line_error(no_question) == "rp: give a question, or --template ID"
    missing = rp(offline_cloud, "get", "res_missing")
    assert missing.returncode == 3 and one_line_error(missing) == "rp: 404 Not found: no research res_missing"
    stranger = rp(offline_cloud, "--api-key", "rp_not-a-key", "list")
    assert stranger.returncode == 3 and one_line_error(stranger).startswith("rp: 401 Unauthorized:")
    invalid = rp(offline_cloud, "research", "x" * 2001, "--no-wait")
    assert invalid.returncode == 3 and "body.query" in one_line_error(invalid)
    keyless = rp(offline_cloud, "list", env={**environment(offline_cloud), "RP_API_KEY": ""})
    assert keyless.returncode == 2 and "no API key" in one_line_error(keyless)
    assert rp(offline_cloud, "research", "--depth", "deepest", "q").returncode == 2
    unreachable = rp(offline_cloud, "--api-url", "http://127.0.0.1:9", "list")
    assert unreachable.returncode == 3 and "could not reach the API" in one_line_error(unreachable)


def test_a_failed_run_exits_1_with_its_error(online_cloud: Cloud, fakes: Fakes) -> None:
    _, perplexity = fakes
    perplexity.fail_next(400)  # Perplexity refuses the search: the run fails, not retried
    result = rp(online_cloud, "research", unique("Rejected question"), "--depth", "quick")
    assert result.returncode == 1
    assert " failed: provider_rejected: " in one_line_error(result)


def test_documents_reports_analyses_watches_templates_and_usage(
    offline_cloud: Cloud, offline_sdk: Client, tmp_path: Path
) -> None:
    (tmp_path / "notes.md").write_text("# Geothermal\n\nGround-source heat pumps use stable soil temperatures.")
    (tmp_path / "page.html").write_text(
        "<html><head><style>x{}</style></head><body><p>Solar &amp; wind</p><script>alert(1)</script></body></html>"
    )
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "report.pdf").write_bytes(build_pdf("Quarterly report", ["Turbine output rose by twelve percent."]))
    added = rp(offline_cloud, "docs", "add", *(str(tmp_path / n) for n in ("notes.md", "page.html", "report.pdf")))
    assert added.returncode == 0, added.stderr
    lines = [line.split("\t") for line in added.stdout.splitlines()]
    ids = [line[0] for line in lines]
    assert [line[1:] for line in lines] == [
        ["Geothermal", "markdown, 68 characters"],
        ["page", "html, 12 characters"],
        ["Quarterly report", "pdf, 55 characters, 1 pages"],
    ]
    assert offline_sdk.documents.get(ids[1]).text == "Solar & wind"
    listed = rp(offline_cloud, "docs", "list", "--limit", "3").stdout
    assert "Quarterly report" in listed and "pdf" in listed and "ready" in listed
    pdf = rp(offline_cloud, "docs", "add", str(tmp_path / "scan.pdf"))
    assert pdf.returncode == 3 and one_line_error(pdf).startswith(f"rp: {tmp_path / 'scan.pdf'}: 422 ")
    assert rp(offline_cloud, "docs", "add", str(tmp_path / "missing.txt")).returncode == 2
    assert rp(offline_cloud, "docs", "rm", *ids).returncode == 0
    assert ids[0] not in rp(offline_cloud, "docs", "list", "--limit", "100").stdout

    research = offline_sdk.research.wait(offline_sdk.research.create(QUESTION, depth="quick", sources=["documents"]).id)
    report = rp(offline_cloud, "report", research.id, "--format", "html", "-o", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report.html").read_text().lstrip().lower().startswith("<!doctype html")

    (tmp_path / "text.txt").write_text("Acme Corp opened a factory in Oslo. Installers report excellent results.")
    analysed = rp(offline_cloud, "analyse", str(tmp_path / "text.txt"), "--kinds", "summary,topics")
    assert analysed.returncode == 0 and "## Summary" in analysed.stdout and "## Topics" in analysed.stdout

    created = rp(
        offline_cloud,
        "watch",
        "create",
        QUESTION,
        "--schedule",
        "rate(1 day)",
        "--depth",
        "quick",
        "--sources",
        "documents",
    )
    assert created.returncode == 0, created.stderr
    watch_id = created.stdout.strip()
    assert watch_id in rp(offline_cloud, "watch", "list").stdout
    runs = rp(offline_cloud, "watch", "runs", watch_id, "--json")
    assert json.loads(runs.stdout)["items"][0]["trigger"] == "baseline"
    assert rp(offline_cloud, "watch", "rm", watch_id).returncode == 0

    templates = rp(offline_cloud, "templates", "list", "--json")
    first = json.loads(templates.stdout)["items"][0]
    shown = rp(offline_cloud, "templates", "show", first["id"])
    assert shown.returncode == 0 and first["name"] in shown.stdout and "Prompt" in shown.stdout
    usage = rp(offline_cloud, "usage", "--json")
    assert usage.returncode == 0 and "totals" in json.loads(usage.stdout)


def test_ctrl_c_without_a_terminal_leaves_the_run_going_and_says_how_to_follow(
    online_cloud: Cloud, online_sdk: Client, fakes: Fakes
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 3.0  # the run is still searching when the signal comes
    question = unique("Why do tides turn?")
    process = subprocess.Popen(
        [RP, "research", question, "--depth", "quick"],
        env=environment(online_cloud),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    research_id = run_of(online_sdk, question)
    # Ctrl-C while `rp` follows the run (it subscribes to its events): before that, it has not said which run it
    # started, and an interrupt ends it as any other.
    deadline = time.monotonic() + 30
    while not subscribers(online_cloud, research_id):
        assert time.monotonic() < deadline, "rp never followed its run"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert stderr.strip() == f"{research_id} keeps running. Follow it with: rp follow {research_id}"
    assert online_sdk.research.wait(research_id, timeout=60).status == "succeeded"


def run_of(sdk: Client, question: str, seconds: float = 30) -> str:
    """The id of the run that a just-started `rp` made for `question`, once it is running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for run in sdk.research.list(limit=20).items:
            if run.query == question and run.status == "running":
                return run.id
        time.sleep(0.1)
    raise AssertionError(f"rp started no run for {question!r}")


def spawn(cloud: Cloud, *args: str) -> Any:
    env = environment(cloud, TERM="xterm-256color", COLUMNS="140", LINES="40")
    return pexpect.spawn(RP, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(40, 140))


def test_on_a_terminal_a_live_progress_bar_then_the_rendered_answer(
    online_cloud: Cloud, online_sdk: Client, fakes: Fakes
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 0.5
    terminal = spawn(online_cloud, "research", unique("How do heat pumps work?"), "--depth", "quick")
    terminal.expect(r"(plan|search|analyze)[^\r\n]*\d+%[^\r\n]*\$\d+\.\d{4}")
    terminal.expect("Sources")
    terminal.expect(r"\[1\] ")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0


@pytest.mark.parametrize(("answer", "status", "exit_status"), [("y", "cancelled", 1), ("n", "succeeded", 0)])
def test_ctrl_c_on_a_terminal_asks_whether_to_cancel(
    online_cloud: Cloud, online_sdk: Client, fakes: Fakes, answer: str, status: str, exit_status: int
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 3.0  # long enough to answer the question while the run is still searching
    question = unique("Why do sleeper trains return?")
    terminal = spawn(online_cloud, "research", question, "--depth", "quick")
    terminal.expect(r"plan|search")
    research_id = run_of(online_sdk, question)
    terminal.sendintr()
    terminal.expect(rf"Cancel {research_id} on the server\?")
    terminal.sendline(answer)
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == exit_status
    assert online_sdk.research.wait(research_id, timeout=60).status == status
    if answer == "n":
        assert f"Follow it with: rp follow {research_id}" in str(terminal.before)
