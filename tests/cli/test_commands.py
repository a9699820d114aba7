"""The CLI end to end: exit codes, messages on stderr, and nothing written on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
SHOP = str(EXAMPLES / "shop.yaml")
# The examples lie outside the output folders the tests write: say where CI would find them.
BESIDE = ("--spec-path", "handoff.yaml")


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_version_prints_and_exits_zero() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("shipspec ")


def test_validate_ok_and_invalid(tmp_path: Path) -> None:
    ok = run("validate", SHOP)
    assert ok.exit_code == 0 and "is valid: 3 services, 4 datastores, 3 environments" in ok.stdout
    bad = tmp_path / "handoff.yaml"
    bad.write_text(Path(SHOP).read_text().replace("port: 8080", "port: 70000"))
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert "services.web.port: must be 1-65535, got 70000" in result.stderr
    assert f"{bad}:" in result.stderr and "Traceback" not in result.output


def test_validate_json_lists_problems(tmp_path: Path) -> None:
    bad = tmp_path / "handoff.yaml"
    bad.write_text(Path(SHOP).read_text().replace("health:", "helth:"))
    result = run("validate", str(bad), "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["path"], p["hint"]) for p in problems] == [
        ("services.web.helth", "did you mean `health`?")
    ]


def test_missing_file_is_a_message_not_a_traceback() -> None:
    result = run("plan", "no/such/handoff.yaml")
    assert result.exit_code == 1
    assert "no such file" in result.stderr and "shipspec init" in result.stderr


def test_plan_table_and_json() -> None:
    table = run("plan", SHOP, "--env", "prod")
    assert table.exit_code == 0 and "network.az_count" in table.stdout
    data = json.loads(run("plan", SHOP, "--json").stdout)
    assert [e["name"] for e in data["environments"]] == ["dev", "staging", "prod"]
    unknown = run("plan", SHOP, "--env", "qa")
    assert unknown.exit_code == 1
    assert "no such environment" in unknown.stderr and "dev, staging, prod" in unknown.stderr


def test_generate_check_force_cycle(tmp_path: Path) -> None:
    out = tmp_path / "repo"
    assert run("generate", SHOP, "-o", str(out), *BESIDE).exit_code == 0
    assert run("generate", SHOP, "-o", str(out), *BESIDE, "--check").exit_code == 0
    main = out / "infra" / "__main__.py"
    main.write_text(main.read_text() + "# my edit\n")
    stale = run("generate", SHOP, "-o", str(out), *BESIDE, "--check")
    assert stale.exit_code == 3 and "update: infra/__main__.py" in stale.stderr
    refused = run("generate", SHOP, "-o", str(out), *BESIDE)
    assert refused.exit_code == 1 and "infra/__main__.py" in refused.stderr
    assert main.read_text().endswith("# my edit\n"), "the user's edit survives"
    assert run("generate", SHOP, "-o", str(out), *BESIDE, "--force").exit_code == 0
    assert not main.read_text().endswith("# my edit\n")


def test_init_writes_a_valid_starter_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "handoff.yaml"
    assert run("init", str(target)).exit_code == 0
    assert run("validate", str(target)).exit_code == 0
    target.write_text("mine\n")
    again = run("init", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert target.read_text() == "mine\n"


def test_schema_is_json() -> None:
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "shipspec handoff spec v1" and "services" in schema["properties"]


def test_preview_without_output_says_what_to_do(tmp_path: Path) -> None:
    result = run("preview", str(tmp_path))
    assert result.exit_code == 1 and "shipspec generate" in result.stderr


def test_preview_live_without_pulumi_cli_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run("generate", SHOP, "-o", str(tmp_path / "repo"), *BESIDE).exit_code == 0
    result = run("preview", str(tmp_path / "repo"), "--live")
    assert result.exit_code == 1 and "needs the Pulumi CLI" in result.stderr


def test_the_installed_command_previews_and_exits_cleanly(generated) -> None:  # type: ignore[no-untyped-def]
    """As a real process: the preview prints its summary, cost and policy lines, exit 0."""
    out = generated.out_dir("minimal")
    done = subprocess.run(
        [sys.executable, "-m", "shipspec", "preview", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Resources:" in done.stdout and "Estimated cost:" in done.stdout
    assert "Policy passed" in done.stdout
