"""SnapStart's hooks: services built before the snapshot, and what copies must not share made afresh after
each restore (here with a stand-in for the `snapshot_restore_py` module that Lambda's runtime ships)."""

from __future__ import annotations

import random
import sys
import types

import pytest
from researcher_pro.core import snapstart


def test_without_the_lambda_runtime_nothing_is_registered() -> None:
    assert snapstart.register_restore_hooks() is False


def test_services_are_built_before_the_snapshot_and_random_is_reseeded_after(monkeypatch: pytest.MonkeyPatch) -> None:
    before: list[object] = []
    after: list[object] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = before.append  # type: ignore[attr-defined]
    runtime.register_after_restore = after.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    built: list[str] = []
    assert snapstart.register_restore_hooks(lambda: built.append("research service")) is True
    for hook in before:
        hook()  # type: ignore[operator]
    assert built == ["research service"]
    # Two copies restored from one snapshot start with the same random state...
    random.seed(42)
    frozen = random.getstate()
    first = random.random()
    random.setstate(frozen)
    for hook in after:
        hook()  # type: ignore[operator]
    # ...and after the hook they no longer draw the same numbers.
    assert random.random() != first
