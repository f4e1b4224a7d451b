"""`python -m infra.local`: start the local cloud, print where it is, run until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading

from infra.local.cloud import LocalCloud, ensure_importable, project_root
from infra.local.settings import LocalSettings


def main() -> int:
    ensure_importable()
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    cloud = LocalCloud(LocalSettings.from_env(project_root()))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        cloud.start()
    except BaseException:
        cloud.stop()
        raise
    offline = not (os.environ.get("OPENAI_API_KEY") and os.environ.get("PERPLEXITY_API_KEY"))
    print(
        "\nResearcher Pro is running locally.\n"
        f"  HTTP API      {cloud.http_url}   (try: curl {cloud.http_url}/v1/health)\n"
        f"  API docs      {cloud.http_url}/docs\n"
        f"  WebSocket     {cloud.ws_url}?token=$RP_DEV_API_KEY\n"
        f"  Console       {cloud.http_url}/console   (a page that starts a research run and follows it live)\n"
        f"  AWS (moto)    {cloud.aws_endpoint}\n"
        f"  Providers     {'offline (no keys): research runs over your uploaded documents' if offline else 'online'}\n"
        f"  Functions     {', '.join(sorted(cloud.functions))}\n"
        "  SnapStart     not emulated: every function here starts cold and stays warm, without snapshots\n"
        "\nThe dev tenant's API key (export it for the README's walk-through):\n"
        f"export RP_DEV_API_KEY={cloud.dev_api_key}\n",
        flush=True,
    )
    stopping.wait()
    print("Stopping…", flush=True)
    cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
