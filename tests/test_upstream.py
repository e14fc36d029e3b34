"""Upstream code we patch, repeat or call privately has not changed under us (pure: reads sources).

When one of these fails, upstream changed a function our code depends on: read the change,
check the code named in ``ours`` still fits (or drop it if upstream fixed the problem), then
update ``written_for`` and ``source_sha256`` in ``ckanext/provincial/upstream.py``.
"""
from __future__ import annotations

import importlib.metadata

import pytest

from ckanext.provincial import upstream

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("patch", upstream.PATCHES, ids=lambda p: f"{p.upstream}<-{p.ours}")
def test_upstream_function_is_still_the_one_our_code_was_written_for(patch):
    installed = importlib.metadata.version(patch.package)

    assert upstream.source_sha256(upstream.resolve(patch.upstream)) == patch.source_sha256, (
        f"{patch.upstream} changed ({patch.package} {installed}; written for {patch.written_for}): "
        f"check {patch.ours}. Why we depend on it: {patch.why}")


@pytest.mark.parametrize("patch", upstream.PATCHES, ids=lambda p: p.ours)
def test_our_side_of_each_patch_exists(patch):
    assert callable(upstream.resolve(patch.ours))


def test_a_changed_function_is_noticed(monkeypatch):
    patch = upstream.PATCHES[0]
    written_for_another_release = upstream.Patch(**{**patch.__dict__, "source_sha256": "0" * 16})
    monkeypatch.setattr(upstream, "PATCHES", (patch, written_for_another_release))

    assert upstream.changed_upstream() == [written_for_another_release]


def test_ckanext_dcat_private_helpers_are_called_only_from_upstream_py():
    import pathlib

    import ckanext.provincial

    root = pathlib.Path(ckanext.provincial.__file__).parent
    callers = [path.relative_to(root).as_posix() for path in root.rglob("*.py")
               if "node_modules" not in path.parts and "dcat_logic._" in path.read_text(encoding="utf-8")]

    assert callers == ["upstream.py"]
