"""Cold start: how long `import app` takes in a fresh interpreter, per function, laid out as Lambda lays it out."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import median, rounded
from tests.harness import ROOT, venv_bin

RUNS = 5
API_THRESHOLD_MS = 300.0
LAYER = ROOT / "layers" / "shared"
BUILD = ROOT / ".aws-sam" / "build"

# Runs in the child: function code first on sys.path, then the layer, as Lambda orders /var/task and /opt.
PROBE = """
import importlib, json, sys, time
sys.path[:0] = sys.argv[1:3]
start = time.perf_counter()
importlib.import_module("app")
elapsed = (time.perf_counter() - start) * 1000
print(json.dumps({"ms": elapsed, "openai": "openai" in sys.modules, "modules": len(sys.modules)}))
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


def function_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())


# The libraries every API function must load before any code of ours runs: the floor under the target.
STACK_FLOOR = """
import boto3
import fastapi
import mangum
import pydantic_settings
from aws_lambda_powertools import Logger, Metrics
"""


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


def timed_imports(code: Path, bytecode: Path, runs: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    uncached = import_once(code, bytecode)
    return uncached, [import_once(code, bytecode) for _ in range(runs)]


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
        "bytecode: what a Lambda cold start pays for imports. `uncached_ms` above is the same without the "
        "layer's precompiled bytecode.",
        "functions": functions,
    }


def measure(runs: int = RUNS) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rp-bench-pycache-") as cache:
        floor_code = Path(cache) / "stack_floor"
        floor_code.mkdir()
        (floor_code / "app.py").write_text(STACK_FLOOR)
        _, floor = timed_imports(floor_code, Path(cache) / "floor-bytecode", runs)
        for name in function_names():
            # One cache per function, so its first import compiles everything.
            uncached, samples = timed_imports(ROOT / "functions" / name, Path(cache) / name, runs)
            times = [s["ms"] for s in samples]
            functions[name] = {
                "median_ms": rounded(median(times)),
                "max_ms": rounded(max(times)),
                "runs_ms": [rounded(t) for t in times],
                "imports_openai": any(s["openai"] for s in [uncached, *samples]),
                "modules_loaded": samples[-1]["modules"],
                "uncached_ms": rounded(uncached["ms"]),
            }
    api = {name: f for name, f in functions.items() if name.endswith("_api")}
    failing = sorted(name for name, f in api.items() if f["median_ms"] >= API_THRESHOLD_MS or f["imports_openai"])
    return {
        "runs_per_function": runs,
        "stack_floor": {
            "description": "a module importing only boto3, fastapi, mangum, pydantic_settings and Powertools "
            "Logger/Metrics: what every API function loads before any code of ours",
            "median_ms": rounded(median(s["ms"] for s in floor)),
        },
        "functions": functions,
        "as_deployed": measure_deployed(runs),
        "target": {
            "description": f"every *_api function: median import under {API_THRESHOLD_MS:.0f} ms "
            "(bytecode cached) and openai never imported",
            "threshold_ms": API_THRESHOLD_MS,
            "failing": failing,
            "met": bool(api) and not failing,
        },
    }
