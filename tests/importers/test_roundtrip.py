"""Every importable fixture: import → write → shipspec.load → plan → render, with no edits."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from shipspec.plan.planner import plan
from shipspec.render.engine import identifier
from shipspec.render.renderer import render
from shipspec.render.targets.pulumi import DATASTORE_COMPONENTS
from tests.importers.importer_helpers import FIXTURES, fixture

CASES = [
    ("merge-keys", (), {}),
    ("interpolation", (), {}),
    ("override", ("compose.override.yaml",), {}),
    ("build-only", (), {}),
    ("custom-datastores", (), {}),
    ("one-shot", (), {}),
    ("secrets", (), {}),
    ("profiles", (), {"profiles": ["*"]}),
    ("udp", (), {"allow_incompatible": True}),
    ("host-network", (), {"allow_incompatible": True}),
]


@pytest.mark.parametrize(("name", "files", "options"), CASES, ids=[c[0] for c in CASES])
def test_import_writes_a_handoff_that_plans_and_renders(
    tmp_path: Path, name: str, files: tuple[str, ...], options: dict[str, object]
) -> None:
    result = fixture(name, *files, output=tmp_path / "handoff.yaml", **options)
    target = tmp_path / "handoff.yaml"
    target.write_text(result.handoff_yaml)
    loaded = shipspec.load(target)
    assert loaded == result.spec
    # The stage functions by module: `shipspec.plan` is shadowed by the subpackage once imported.
    rendered = render(plan(loaded))
    assert "infra/Pulumi.yaml" in rendered
    # Every datastore the importer wrote, whatever its engine, becomes its component.
    program = dict(rendered)["infra/__main__.py"]
    compile(program, "infra/__main__.py", "exec")
    for name, store in loaded.datastores.items():
        component = DATASTORE_COMPONENTS[store.engine]
        assert f'{identifier(name)} = {component}(\n    "{name}",' in program, name


def test_build_contexts_are_relative_to_the_handoff(tmp_path: Path) -> None:
    result = fixture("build-only", output=tmp_path / "out" / "handoff.yaml")
    context = result.spec.services["web"].build.context  # type: ignore[union-attr]
    assert (tmp_path / "out" / context).resolve() == (FIXTURES / "build-only" / "web").resolve()
