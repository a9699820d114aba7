"""CI's ``shipspec generate --check`` runs in a checkout of the output folder, so the spec
must be in it: ``generate`` refuses a spec outside it (exit 1, located, with the fix)
unless ``--spec-path`` says where CI finds the spec."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from shipspec.cli import app
from tests.conftest import EXAMPLES


def generate(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["generate", *args])


def test_a_spec_outside_the_output_folder_is_refused_with_the_fix(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    result = generate(str(EXAMPLES / "shop.yaml"), "-o", str(repo))
    assert result.exit_code == 1
    assert "shop.yaml: the spec lies outside the output folder" in result.stderr
    assert "move the spec into" in result.stderr and "--spec-path" in result.stderr
    assert "Traceback" not in result.stderr
    assert not repo.exists(), "nothing is written"


def test_a_spec_inside_the_output_folder_is_named_as_ci_sees_it(tmp_path: Path) -> None:
    spec = tmp_path / "deploy" / "handoff.yaml"
    spec.parent.mkdir()
    shutil.copy(EXAMPLES / "shop.yaml", spec)
    assert generate(str(spec), "-o", str(tmp_path)).exit_code == 0
    workflow = (tmp_path / ".github/workflows/pull-request.yml").read_text()
    assert "run: shipspec generate deploy/handoff.yaml --out . --check" in workflow
    check = CliRunner().invoke(app, ["generate", str(spec), "-o", str(tmp_path), "--check"])
    assert check.exit_code == 0


def test_spec_path_names_where_ci_finds_the_spec(tmp_path: Path) -> None:
    result = generate(
        str(EXAMPLES / "shop.yaml"), "-o", str(tmp_path), "--spec-path", "ops/shop.yaml"
    )
    assert result.exit_code == 0, result.stderr
    workflow = (tmp_path / ".github/workflows/pull-request.yml").read_text()
    assert "run: shipspec generate ops/shop.yaml --out . --check" in workflow
    absolute = generate(str(EXAMPLES / "shop.yaml"), "-o", str(tmp_path), "--spec-path", "/x.yaml")
    assert absolute.exit_code == 1 and "relative to the output folder" in absolute.stderr
