"""The local cloud's own settings (RP_LOCAL_*), and which provider settings it passes to the stack."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from infra.local.faults import Faults

# Environment variables a developer sets, mapped to the template parameters they fill.
PARAMETERS_FROM_ENV = {
    "OPENAI_API_KEY": "OpenAIApiKey",
    "OPENAI_BASE_URL": "OpenAIBaseUrl",
    "RP_OPENAI_MODEL": "OpenAIModel",
    "PERPLEXITY_API_KEY": "PerplexityApiKey",
    "PERPLEXITY_BASE_URL": "PerplexityBaseUrl",
}


def parse_overrides(text: str) -> dict[str, str]:
    """`Key=Value Key2=Value2` (or comma-separated), as `sam deploy --parameter-overrides` takes them."""
    pairs = [p for chunk in text.replace(",", " ").split() for p in [chunk] if "=" in p]
    return dict(pair.split("=", 1) for pair in pairs)


@dataclass
class LocalSettings:
    root: Path
    http_port: int = 3000
    ws_port: int = 3001
    aws_port: int = 5000
    tick_seconds: float = 60.0
    dev_api_key: str = ""
    max_containers: int = 4
    parameters: dict[str, str] = field(default_factory=dict)
    passthrough_env: dict[str, str] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)

    @classmethod
    def from_env(cls, root: Path) -> LocalSettings:
        env = os.environ
        parameters = {param: env[name] for name, param in PARAMETERS_FROM_ENV.items() if env.get(name)}
        parameters.update(parse_overrides(env.get("RP_LOCAL_PARAMETER_OVERRIDES", "")))
        passthrough = {
            k: v
            for k, v in env.items()
            if k.startswith("RP_")
            and not k.startswith("RP_LOCAL_")
            and k != "RP_DEV_API_KEY"
            and k not in PARAMETERS_FROM_ENV
        }
        return cls(
            root=root,
            http_port=int(env.get("RP_LOCAL_HTTP_PORT", "3000")),
            ws_port=int(env.get("RP_LOCAL_WS_PORT", "3001")),
            aws_port=int(env.get("RP_LOCAL_AWS_PORT", "5000")),
            tick_seconds=float(env.get("RP_LOCAL_TICK_SECONDS", "60")),
            dev_api_key=env.get("RP_DEV_API_KEY", ""),
            max_containers=int(env.get("RP_LOCAL_MAX_CONTAINERS", "4")),
            parameters=parameters,
            passthrough_env=passthrough,
            faults=Faults.from_env(env),
        )
