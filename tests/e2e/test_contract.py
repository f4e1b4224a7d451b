"""The contract is exact: schemathesis, run against the local cloud with the document the cloud serves at
/openapi.json, finds no response the document does not describe.

Every phase runs (examples, coverage, fuzzing, stateful), from a fixed seed, with the checks below and no
other exclusion; a failure prints schemathesis's own report (each case with a curl line that reproduces it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.harness import Cloud, venv_bin

pytestmark = pytest.mark.e2e

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)
SEED = 20261130
MAX_EXAMPLES = 6  # per operation, in fuzzing and stateful testing (coverage has its own)
REQUEST_SECONDS = 30  # API Gateway's own limit; a cold container on a busy machine can take 10 s to answer
RUN_SECONDS = 600


def test_schemathesis_finds_nothing_the_document_does_not_say(tmp_path: Path) -> None:
    with Cloud({"RP_LOCAL_PARAMETER_OVERRIDES": "WorkerTimeoutSeconds=5 TaskVisibilityTimeoutSeconds=6"}) as cloud:
        run = subprocess.run(
            [
                str(venv_bin("st")),
                "run",
                f"{cloud.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {cloud.key}",
                "--checks",
                ",".join(CHECKS),
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--workers",
                "2",
                "--request-timeout",
                str(REQUEST_SECONDS),
                "--generation-database",
                "none",
                "--no-color",
                "--output-truncate",
                "false",
            ],
            check=False,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=RUN_SECONDS,
        )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-2000:]
