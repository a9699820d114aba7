"""The botocore limits kept in the user's cache folder, one file per botocore version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from shipspec.preview.conformance import botocore_limits

PROBE = (
    "import sys\n"
    "from shipspec.preview.conformance.botocore_limits import shape_metadata\n"
    "meta, _ = shape_metadata('elbv2', 'CreateRule', 'Priority')\n"
    "print(meta['min'], meta['max'], 'botocore' in sys.modules)\n"
)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    botocore_limits._shapes_file.cache_clear()
    botocore_limits._known_shapes.cache_clear()
    yield tmp_path / "shipspec" / "botocore" / f"shapes-{metadata.version('botocore')}.json"
    botocore_limits._shapes_file.cache_clear()
    botocore_limits._known_shapes.cache_clear()


def _probe(cache: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.split()


def test_a_later_process_reads_the_limits_without_importing_botocore(cache_home: Path) -> None:
    first = _probe(cache_home)
    assert first[2] == "True"  # nothing cached yet: read from botocore's model
    assert "elbv2 CreateRule Priority" in json.loads(cache_home.read_text())
    again = _probe(cache_home)
    assert again == [first[0], first[1], "False"]


def test_a_damaged_cache_file_is_read_again_from_botocore(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("{not json")
    meta, _ = botocore_limits.shape_metadata("elbv2", "CreateRule", "Priority")
    import botocore.session

    shape = (
        botocore.session.get_session()
        .get_service_model("elbv2")
        .operation_model("CreateRule")
        .input_shape.members["Priority"]
    )
    assert (meta["min"], meta["max"]) == (shape.metadata["min"], shape.metadata["max"])
    assert json.loads(cache_home.read_text())["elbv2 CreateRule Priority"][0] == meta


def test_without_a_writable_cache_folder_the_limits_come_from_botocore(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no folder can be made in it
    meta, _ = botocore_limits.shape_metadata("elbv2", "CreateRule", "Priority")
    assert meta["max"] >= meta["min"] >= 1
    assert not (tmp_path / "shipspec").exists()


DOC_PROBE = (
    "import sys\n"
    "from shipspec.preview.conformance.rules_containers import stop_timeout_max\n"
    "print(stop_timeout_max(), 'botocore' in sys.modules)\n"
)


def test_a_range_stated_in_prose_is_kept_with_the_limits(cache_home: Path) -> None:
    """ECS states the stop timeout's maximum only in its documentation: the text is cached
    too, so a later preview's container rules do not import botocore either."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home.parents[2])}

    def probe() -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", DOC_PROBE], capture_output=True, text=True, env=env, check=True
        ).stdout.split()

    assert probe() == ["120", "True"]
    assert "doc ecs ContainerDefinition.stopTimeout" in json.loads(cache_home.read_text())
    assert probe() == ["120", "False"]
