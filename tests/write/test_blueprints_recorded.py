"""``--blueprints DIR`` is remembered: later plain runs, ``--check`` and CI use it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shipspec.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
README = "monitoring/README.md"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_a_recorded_blueprint_folder_is_used_by_every_later_generate(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    spec = repo / "handoff.yaml"
    spec.write_text((EXAMPLES / "minimal.yaml").read_text())
    custom = repo / "ours"
    folder = custom / "monitoring" / "monitoring"  # the target's folder, then the output path
    folder.mkdir(parents=True)
    (folder / "README.md.j2").write_text("Our own monitoring notes for {{ model.app }}.\n")
    (folder / "extra.txt").write_text("added by us\n")

    first = run("generate", str(spec), "--blueprints", str(custom))
    assert first.exit_code == 0, first.output
    manifest = json.loads((repo / ".shipspec" / "manifest.json").read_text())
    assert manifest["blueprints"] == "ours"
    assert "Our own monitoring notes for hello." in (repo / README).read_text()

    # A plain generate neither reverts the template nor deletes the added file; --check
    # (as the generated CI runs it: `shipspec generate handoff.yaml --out . --check`) agrees.
    again = run("generate", str(spec))
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 0 deleted" in again.stdout
    assert (repo / "monitoring" / "extra.txt").read_text().endswith("added by us\n")
    assert run("generate", str(spec), "--out", str(repo), "--check").exit_code == 0


def test_a_blueprint_file_no_target_renders_is_an_error(tmp_path: Path) -> None:
    custom = tmp_path / "ours"
    (custom / "pulumni" / "infra").mkdir(parents=True)
    (custom / "pulumni" / "infra" / "__main__.py.j2").write_text("typo\n")
    spec = tmp_path / "handoff.yaml"
    spec.write_text((EXAMPLES / "minimal.yaml").read_text())
    result = run("generate", str(spec), "-o", str(tmp_path), "--blueprints", str(custom))
    assert result.exit_code == 1
    assert f"{custom}/pulumni/infra/__main__.py.j2: matches no template and no target" in (
        result.stderr
    )
    assert "Traceback" not in result.output and not (tmp_path / "infra").exists()


def test_removing_an_environment_says_its_stack_still_runs_and_how_to_destroy_it(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "handoff.yaml"
    spec.write_text((EXAMPLES / "shop.yaml").read_text())
    assert run("generate", str(spec)).exit_code == 0
    spec.write_text(spec.read_text().replace("  staging: {}\n", ""))
    result = run("generate", str(spec))
    assert result.exit_code == 0, result.output
    infra = tmp_path / "infra"
    assert not (infra / "Pulumi.staging.yaml").exists() and (infra / "Pulumi.dev.yaml").exists()
    assert "its stack 'staging' still runs in AWS" in result.stdout
    commands = [line.split("#")[0].strip() for line in result.stdout.splitlines()]
    assert f"cd {infra}" in commands
    assert "git checkout HEAD -- Pulumi.staging.yaml" in commands
    assert commands.index("pulumi destroy --stack staging") < commands.index(
        "pulumi stack rm staging"
    )
    assert "Pulumi.dev.yaml" not in result.stdout
