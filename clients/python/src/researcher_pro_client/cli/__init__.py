"""The `rp` command."""

import sys

from researcher_pro_client.cli.app import main as _main


def main() -> None:
    sys.exit(_main())
