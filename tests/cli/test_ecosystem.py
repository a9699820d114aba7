"""Fitting the ecosystem: editor schema line and file, typed package, pre-commit hooks."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

import shipspec
from shipspec.cli import app
from shipspec.importers import import_compose

ROOT = Path(__file__).resolve().parents[2]


def test_init_points_editors_at_a_schema_it_writes_beside_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "handoff.yaml"
    result = CliRunner().invoke(app, ["init", str(spec)])
    assert result.exit_code == 0, result.output
    first = spec.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=handoff.schema.json"
    schema = json.loads((tmp_path / "handoff.schema.json").read_text())
    assert schema["title"] == "shipspec handoff spec v1"
    assert CliRunner().invoke(app, ["validate", str(spec)]).exit_code == 0


def test_an_imported_spec_opens_with_the_schema_line(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    result = import_compose([tmp_path / "compose.yaml"], environ={})
    assert result.handoff_yaml.startswith("# yaml-language-server: $schema=handoff.schema.json\n")


def test_the_package_is_typed() -> None:
    assert (Path(shipspec.__file__).parent / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    # hatch ships every file of the package folder; py.typed must not be excluded.
    assert 'packages = ["src/shipspec"]' in pyproject and "py.typed" not in pyproject


def test_pre_commit_hooks_run_the_commands_they_name(tmp_path: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"shipspec-validate", "shipspec-generate-check"}
    spec = tmp_path / "handoff.yaml"
    assert CliRunner().invoke(app, ["init", str(spec)]).exit_code == 0
    bad = tmp_path / "sub" / "handoff.yaml"
    bad.parent.mkdir()
    bad.write_text("apiVersion: shipspec/v1\n")
    validate = hooks["shipspec-validate"]
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    command = [*shlex.split(validate["entry"]), str(spec)]
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    failing = subprocess.run([*command, str(bad)], env=env, capture_output=True, text=True)
    assert failing.returncode == 1 and "sub/handoff.yaml" in failing.stderr
    check = hooks["shipspec-generate-check"]
    assert check["entry"] == "shipspec generate" and "--check" in check["args"]
    assert check["pass_filenames"] is False
