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
}


def function_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())


def import_once(name: str, bytecode_dir: Path) -> dict[str, Any]:
    """One fresh interpreter importing functions/<name>/app.py.

    Compiled modules are cached in `bytecode_dir`, never next to the sources: the first import into an
    empty directory compiles every module from source, later ones load the cached bytecode.
    """
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")}
    env.update(LAMBDA_ENV)
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
    code = ROOT / "functions" / name
    done = subprocess.run(
        [str(venv_bin("python")), "-c", PROBE, str(code), str(LAYER)],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing functions/{name}/app.py failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(runs: int = RUNS) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rp-bench-pycache-") as cache:
        for name in function_names():
            bytecode = Path(cache) / name  # one cache per function, so its first import compiles everything
            uncached = import_once(name, bytecode)
            samples = [import_once(name, bytecode) for _ in range(runs)]
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
        "functions": functions,
        "target": {
            "description": f"every *_api function: median import under {API_THRESHOLD_MS:.0f} ms "
            "(bytecode cached) and openai never imported",
            "threshold_ms": API_THRESHOLD_MS,
            "failing": failing,
            "met": bool(api) and not failing,
        },
    }
