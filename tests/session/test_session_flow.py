"""A whole deployment session on the shop example, through the CLI and the pipeline hooks.

start → validate → plan → generate → doctor → preview → check → marks → end, asserting
on what a reviewer would read: the progress file (people's text intact to the byte),
the refusals on the way, and the operations package at the end.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.session import PROGRESS_FILE
from tests.session import session_support as run

HUMAN_TOP = "# Shop: framework progress\n\nPhase 5 notes, kept by people.\r\n\n"
HUMAN_BOTTOM = "\n## Retro notes\n\n- keep this line *exactly* as it is  \n"


def outside_blocks(text: str) -> str:
    """The file without shipspec's blocks: what people own."""
    return re.sub(
        r"<!-- shipspec:begin (\S+) -->.*?<!-- shipspec:end \1 -->\n", "", text, flags=re.S
    )


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch, clock) -> None:
    monkeypatch.setattr("shipspec.session.status.utc_now", clock)


def invoke(cli, *args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_a_whole_session(project: Path, cli, fixed_time, aws, state_bucket, pulumi_on_path) -> None:
    progress = project / PROGRESS_FILE
    progress.parent.mkdir()
    progress.write_bytes(HUMAN_TOP.encode())
    spec, out = Path("handoff.yaml"), Path("out")

    started = invoke(cli, "session", "start", "handoff.yaml")
    assert started.exit_code == 0, started.output
    assert "session 1 started" in started.output
    with progress.open("ab") as handle:  # people keep writing while the session runs
        handle.write(HUMAN_BOTTOM.encode())

    assert run.validate(spec) == ["handoff-valid"]  # start recorded it; the text differs
    assert run.plan(spec) == ["requirements-planned"]
    assert run.generate(spec, out) == [
        "model-recorded",
        "infrastructure-generated",
        "pipeline-generated",
        "operations-docs-generated",
    ]
    doctor = invoke(cli, "doctor", "out")
    assert doctor.exit_code == 0, doctor.output
    assert "ok   state: s3 bucket acme-pulumi-state is reachable" in doctor.output
    marked, cost = run.preview(out, "prod")
    assert marked == ["production-previewed"]
    assert re.fullmatch(
        r"Estimated cost: \$[\d,]+/month \(prices of \d{4}-\d\d, eu-west-1; "
        r"see docs/operations/handoff.md\)",
        cost,
    )
    assert run.check(out) == ["security-validated"]

    early = invoke(cli, "session", "end")
    assert early.exit_code == 1
    for step in ("production-deployed", "runbook-reviewed", "production-verified"):
        assert f"  {step}: " in early.output
    assert "3 required steps have no evidence" in early.output
    assert "production-previewed" not in early.output

    for step, evidence in (
        ("production-deployed", "CI run https://ci.example.com/runs/42 deployed prod"),
        ("runbook-reviewed", "walked through with on-call | 2026-11-20"),
        ("production-verified", "smoke tests green; no alarm for 1 hour"),
    ):
        marked_result = invoke(cli, "session", "mark", step, "--evidence", evidence)
        assert marked_result.exit_code == 0, marked_result.output

    status = invoke(cli, "session", "status", "--json")
    data = json.loads(status.stdout)
    assert data["missing"] == []
    assert {s["status"] for s in data["steps"][:-2]} == {"done"}

    ended = invoke(cli, "session", "end", "--by", "carol@example.com")
    assert ended.exit_code == 0, ended.output
    assert "Phase 8 ready" in ended.output

    text = progress.read_bytes().decode()
    assert outside_blocks(text).startswith(HUMAN_TOP)
    assert outside_blocks(text).endswith(HUMAN_BOTTOM)
    assert progress.read_bytes().startswith(HUMAN_TOP.encode())
    assert "| 6 | Development | complete | lead@example.com | 2026-11-20 |" in text
    assert "| 7 | Deployment | complete | carol@example.com | 2026-11-20 |" in text
    assert "| 8 | Operations | ready | — | 2026-11-20 |" in text
    assert "- [ ]" not in text
    assert text.count("- [x]") == 11 + 15  # steps and items
    assert "walked through with on-call \\| 2026-11-20" in text
    assert "| carol@example.com | operations transition |" in text
    assert "Status: **ended**" in text

    docs = project / "out/docs/operations"
    for name in ("handoff.md", "runbook.md", "baseline.md", "architecture.dot"):
        assert (docs / name).is_file(), name
    assert (docs / "architecture.svg").is_file() == (shutil.which("dot") is not None)

    again = invoke(cli, "session", "end")
    assert again.exit_code == 1
    assert "no open deployment session" in again.output


def test_session_status_without_a_session(project: Path, cli) -> None:
    result = invoke(cli, "session", "status")
    assert result.exit_code == 1
    assert "no progress file (.ai_context/framework_progress.md)" in result.output
    assert "hint: start a deployment session with `shipspec session start" in result.output


def test_status_lists_what_is_next(project: Path, cli) -> None:
    invoke(cli, "session", "start")
    result = invoke(cli, "session", "status")
    assert result.exit_code == 0
    assert "[x] handoff-valid: shipspec session start handoff.yaml" in result.output
    assert "[ ] requirements-planned: run `shipspec plan handoff.yaml`" in result.output
    assert "[ ] infrastructure-generated: blocked until Start 2" in result.output
    assert "11 steps missing before `shipspec session end`" in result.output
