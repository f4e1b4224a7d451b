"""Cold start: how long `import app` takes in a fresh interpreter, per function, laid out as Lambda lays it
out, as a ratio to the import of only the libraries that function is built on (its floor), measured side
by side in one run: floor and function alternate, so a busy machine slows both alike."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import median, rounded
from tests.harness import ROOT, venv_bin

RUNS = 7
LAYER = ROOT / "layers" / "shared"
BUILD = ROOT / ".aws-sam" / "build"

# Runs in the child: function code first on sys.path, then the layer, as Lambda orders /var/task and /opt.
# "ready" adds what an API function's first request builds (its services, which SnapStart builds before
# the snapshot instead); the other functions build everything as they are imported.
PROBE = """
import importlib, json, sys, time
sys.path[:0] = sys.argv[1:3]
start = time.perf_counter()
app = importlib.import_module("app")
imported = time.perf_counter()
for build in getattr(getattr(app, "handler", None), "services", ()):
    build()
ready = time.perf_counter()
print(json.dumps({
    "ms": (imported - start) * 1000,
    "ready_ms": (ready - start) * 1000,
    "openai": "openai" in sys.modules,
    "fastapi": "fastapi" in sys.modules,
    "modules": len(sys.modules),
}))
"""

# Nothing is called at import time; the endpoint is unreachable on purpose.
LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "RP_TASKS_QUEUE_URL": "http://127.0.0.1:1/123456789012/q",
    "RP_WS_MANAGEMENT_URL": "http://127.0.0.1:1/dev",
}

# The libraries a function is built on, before any code of ours: what its ratio is measured against.
FLOORS = {
    "api": (
        "boto3 + FastAPI + Mangum + Powertools Logger/Metrics",
        "import boto3\nimport fastapi\nimport mangum\nfrom aws_lambda_powertools import Logger, Metrics\n",
    ),
    "aws": (
        "boto3 + Powertools Logger/Metrics",
        "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n",
    ),
}
# Targets: the HTTP API functions within 1.10x of theirs; the sweepers, the scheduler, the webhook deliveries and
# the WebSocket functions within 1.6x of theirs, with no FastAPI. The worker is measured, not targeted; only it may
# import openai.
API_TARGET, LIGHT_TARGET = 1.10, 1.6
LIGHT = (
    "task_sweeper",
    "connection_sweeper",
    "refresh_scheduler",
    "webhook_sweeper",
    "webhook_delivery",
    "ws_connect",
    "ws_default",
    "ws_disconnect",
)


def function_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())


def floor_of(name: str) -> str:
    return "api" if name.endswith("_api") else "aws"


def target_of(name: str) -> float | None:
    if name.endswith("_api"):
        return API_TARGET
    return LIGHT_TARGET if name in LIGHT else None


def import_once(code: Path, bytecode_dir: Path | None, layer: Path = LAYER) -> dict[str, Any]:
    """One fresh interpreter importing `code`/app.py.

    With `bytecode_dir`, compiled modules are cached there, never next to the sources: the first import
    into an empty directory compiles every module from source, later ones load the cached bytecode.
    Without it, nothing is written and only bytecode shipped next to the sources is used, as on
    Lambda's read-only /var/task and /opt.
    """
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")}
    env.update(LAMBDA_ENV)
    if bytecode_dir is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
    done = subprocess.run(
        [str(venv_bin("python")), "-c", PROBE, str(code), str(layer)],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing {code}/app.py failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def side_by_side(code: Path, floor: Path, cache: Path, runs: int) -> tuple[list[dict[str, Any]], list[float], float]:
    """(the function's samples, the floor's times, the function's first, uncached import) over `runs`
    alternating pairs, after a first uncounted import of each that fills its bytecode cache."""
    uncached = import_once(code, cache / "function")
    import_once(floor, cache / "floor")
    samples, floors = [], []
    for _ in range(runs):
        floors.append(import_once(floor, cache / "floor")["ms"])
        samples.append(import_once(code, cache / "function"))
    return samples, floors, uncached["ms"]


def measure_deployed(runs: int) -> dict[str, Any]:
    """The `sam build` output, imported as Lambda imports it: read-only, with the layer's shipped bytecode."""
    layer = BUILD / "SharedLayer" / "python"
    built = sorted(p.parent for p in BUILD.glob("*/app.py"))
    if not built or not any(layer.rglob("*.pyc")):
        return {"skipped": "run `make build` first"}
    functions = {}
    for code in built:
        times = [import_once(code, None, layer)["ms"] for _ in range(runs)]
        functions[code.name] = {"median_ms": rounded(median(times)), "max_ms": rounded(max(times))}
    return {
        "description": "each built function imported from .aws-sam/build with the built layer, writing no "
        "bytecode: what a Lambda cold start pays for imports.",
        "functions": functions,
    }


def measure(runs: int = RUNS) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rp-bench-pycache-") as scratch:
        floors = {}
        for kind, (_, source) in FLOORS.items():
            floors[kind] = Path(scratch) / f"floor_{kind}"
            floors[kind].mkdir()
            (floors[kind] / "app.py").write_text(source)
        for name in function_names():
            # A cache of its own for each pair, so each first import compiles everything.
            samples, floor_times, uncached = side_by_side(
                ROOT / "functions" / name, floors[floor_of(name)], Path(scratch) / name, runs
            )
            times = [s["ms"] for s in samples]
            ratio = median(times) / median(floor_times)
            ready = median(s["ready_ms"] for s in samples)
            target = target_of(name)
            functions[name] = {
                "median_ms": rounded(median(times)),
                "floor": floor_of(name),
                "floor_median_ms": rounded(median(floor_times)),
                "ratio": round(ratio, 3),
                "ready_median_ms": rounded(ready),
                "ready_ratio": round(ready / median(floor_times), 3),
                "target_ratio": target,
                "met": target is None or ratio <= target,
                "imports_openai": any(s["openai"] for s in samples),
                "imports_fastapi": any(s["fastapi"] for s in samples),
                "modules_loaded": samples[-1]["modules"],
                "uncached_ms": rounded(uncached),
            }
    failing = sorted(
        name
        for name, f in functions.items()
        if not f["met"] or (f["imports_openai"] and name != "task_worker") or (name in LIGHT and f["imports_fastapi"])
    )
    return {
        "runs_per_function": runs,
        "floors": {kind: description for kind, (description, _) in FLOORS.items()},
        "ready": "ready_ms is import plus the services an API function builds on its first request (SnapStart "
        "builds them before its snapshot); the target is on the import, ready_ratio is reported beside it",
        "functions": functions,
        "as_deployed": measure_deployed(5),
        "target": {
            "description": f"each *_api function's median import at most {API_TARGET}x its floor (boto3, FastAPI, "
            f"Mangum, Powertools); the sweepers, the scheduler, the webhook deliveries and the WebSocket functions at "
            f"most {LIGHT_TARGET}x theirs (boto3, Powertools) and without FastAPI; only the worker imports openai",
            "failing": failing,
            "met": bool(functions) and not failing,
        },
    }
