"""``session start``: it opens a session only on a valid, complete, approved handoff,
and otherwise says what is missing, where in the spec, without touching the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.session import PROGRESS_FILE, SessionError, SessionRefused, start_session


def start(cli, *args: str):
    return CliRunner().invoke(cli, ["session", "start", *args])


def edit_spec(project: Path, old: str, new: str) -> None:
    spec = project / "handoff.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new))


def test_refuses_a_development_phase_in_progress(project: Path, cli) -> None:
    edit_spec(project, "  status: complete\n", "  status: in-progress\n")
    result = start(cli)
    assert result.exit_code == 1
    assert "development.status: Phase 6 is in-progress, not complete (handoff.yaml:6:11)" in (
        result.output
    )
    assert "hint: finish the development phase, then set `status: complete`" in result.output
    assert not (project / PROGRESS_FILE).exists()


def test_refuses_an_unapproved_handoff(project: Path, cli) -> None:
    edit_spec(project, "  approved_by: lead@example.com\n", "")
    result = start(cli)
    assert result.exit_code == 1
    assert re.search(
        r"development\.approved_by: Phase 6 is not approved: `approved_by` is missing "
        r"\(handoff\.yaml:5:\d+\)",
        result.output,
    )
    assert not (project / PROGRESS_FILE).exists()


def test_lists_every_gap_at_once(project: Path) -> None:
    edit_spec(project, "  phase: 6\n  status: complete\n", "  phase: 5\n  status: in-progress\n")
    edit_spec(project, "  approved_by: lead@example.com\n", "")
    with pytest.raises(SessionRefused) as refused:
        start_session(Path("handoff.yaml"), cwd=project)
    paths = {d.path for d in refused.value.diagnostics}
    assert paths == {"development.phase", "development.status", "development.approved_by"}


def test_refuses_a_handoff_without_a_development_block(project: Path, cli) -> None:
    spec = project / "handoff.yaml"
    text = spec.read_text()
    spec.write_text(re.sub(r"development:\n(  .*\n)+", "", text))
    result = start(cli)
    assert result.exit_code == 1
    assert "the handoff has no `development` block" in result.output
    assert "add `development: {phase: 6, status: complete, approved_by:" in result.output


def test_an_invalid_spec_is_reported_like_validate(project: Path, cli) -> None:
    edit_spec(project, "    port: 8080\n", "    port: 70000\n")
    result = start(cli)
    assert result.exit_code == 1
    assert "services.web.port" in result.output
    assert "handoff.yaml:18:" in result.output
    assert "Traceback" not in result.output
    assert not (project / PROGRESS_FILE).exists()


def test_creates_the_progress_file_from_the_development_block(project: Path, clock) -> None:
    status = start_session(Path("handoff.yaml"), cwd=project, clock=clock, actor="bob")
    text = (project / PROGRESS_FILE).read_text()
    assert text.startswith("# Framework progress\n")
    assert "| 6 | Development | complete | lead@example.com | 2026-11-20 |" in text
    assert "| 7 | Deployment | in-progress | — | 2026-11-20 |" in text
    assert "| 8 | Operations | pending | — | — |" in text
    assert status.recorded == ["phase-6-approved", "handoff-valid"]
    assert "deliverables: tests-passing, security-review" in text


def test_starts_in_the_repository_root_from_a_subfolder(project: Path, clock) -> None:
    sub = project / "services" / "web"
    sub.mkdir(parents=True)
    start_session(project / "handoff.yaml", cwd=sub, clock=clock)
    assert (project / PROGRESS_FILE).is_file()
    assert not (sub / PROGRESS_FILE).exists()


def test_a_second_start_is_refused_while_one_is_open(project: Path, clock) -> None:
    start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    before = (project / PROGRESS_FILE).read_bytes()
    with pytest.raises(SessionError, match=r"session 1 is already open \(started 2026-11-20T09:01"):
        start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    assert (project / PROGRESS_FILE).read_bytes() == before
