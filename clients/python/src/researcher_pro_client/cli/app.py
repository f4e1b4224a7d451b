"""`rp`: the command line of the Researcher Pro API.

Exit status: 0 done (the run succeeded); 1 the run failed or was cancelled; 2 the command line was wrong;
3 the API refused or could not be reached (the message is its problem detail). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from researcher_pro_client.cli import catalog, documents, research, results, watches
from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.usage import UsageError
from researcher_pro_client.client import Client
from researcher_pro_client.config import ConfigurationError
from researcher_pro_client.errors import APIConnectionError, APIError, ResearcherProError
from researcher_pro_client.version import __version__

USAGE_ERROR, API_ERROR, INTERRUPTED = 2, 3, 130

Command = Callable[[Client, Output, argparse.Namespace], int]

EPILOG = """\
configuration: RP_API_URL (default http://127.0.0.1:3000), RP_API_KEY, RP_WS_URL (default: what the
API's health reports; "off" follows progress by polling). Options given here win.

exit status: 0 succeeded, 1 the run failed or was cancelled, 2 usage error, 3 API error.
"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="rp",
        description="Research questions in, cited answers out: the Researcher Pro API from your shell.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--version", action="version", version=f"rp {__version__}")
    root.add_argument("--api-url", help="the API (RP_API_URL)")
    root.add_argument("--api-key", help="your API key (RP_API_KEY)")
    root.add_argument("--ws-url", help='the WebSocket API, or "off" (RP_WS_URL)')
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    research.add_commands(commands)
    documents.add_commands(commands)
    results.add_commands(commands)
    watches.add_commands(commands)
    catalog.add_commands(commands)
    mcp = commands.add_parser("mcp", help="serve the API to MCP clients (stdio, or streamable HTTP)")
    mcp.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on this port, not stdio")
    mcp.add_argument("--host", default="127.0.0.1", help="with --http: the address to listen on")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Output()
    try:
        if args.command == "mcp":
            return _serve_mcp(args)
        run: Command = args.run
        with Client(args.api_url, args.api_key, ws_url=args.ws_url) as rp:
            return run(rp, out, args)
    except (UsageError, ConfigurationError) as wrong:
        out.error(str(wrong))
        return USAGE_ERROR
    except (APIError, APIConnectionError) as refused:
        out.error(str(refused))
        return API_ERROR
    except ResearcherProError as failed:
        out.error(str(failed))
        return API_ERROR
    except KeyboardInterrupt:
        out.error("interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`rp list | head`): nothing left to say to it.
        sys.stderr.close()
        return 0


def _serve_mcp(args: argparse.Namespace) -> int:
    from researcher_pro_client.mcp_server import serve

    serve(args.api_url, args.api_key, args.ws_url, http_port=args.http, host=args.host)
    return 0
