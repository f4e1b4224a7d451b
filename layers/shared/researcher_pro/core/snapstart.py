"""SnapStart: the HTTP and WebSocket functions run from a snapshot of their initialised container, and every
copy restored from one snapshot starts with the same memory. What must differ between copies is made
afresh after each restore here, with the hook Lambda's Python runtime ships (`snapshot_restore_py`).

What that is, in this code base: the `random` module's state (retry and backoff jitter would otherwise
move in lockstep across copies). uuid4, `secrets` and signatures read the OS's randomness on each call,
and no network connection is opened during initialisation, so nothing else carries over.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def reseed_random() -> None:
    random.seed()


def register_restore_hooks(*prime: Callable[[], object]) -> bool:
    """Register what runs after a restore, and `prime`: what to build before the snapshot is taken (the
    services a function builds on its first request), so restored copies start with them built. False
    where there are no snapshots (the local cloud, tests): there `prime` is built on first use."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    for build in prime:
        register_before_snapshot(build)
    register_after_restore(reseed_random)
    return True
