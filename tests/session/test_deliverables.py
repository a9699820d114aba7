"""The development handoff package: deliverables with and without evidence, recorded by
``session start``, shown by ``session status``; hostile evidence paths refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import shipspec
from shipspec.errors import SpecError
from shipspec.session import PROGRESS_FILE, SessionRefused, session_status, start_session

PACKAGE = """  deliverables:
    - tests-passing
    - {name: test report, evidence: reports/junit.xml}
    - {name: security review, evidence: docs/security-review.md}
    - {name: load test, evidence: reports/load.txt}
    - {name: coverage, evidence: reports}
"""


def with_package(project: Path, package: str = PACKAGE) -> None:
    spec = project / "handoff.yaml"
    text = spec.read_text()
    old = "  deliverables: [tests-passing, security-review]\n"
    assert old in text
    spec.write_text(text.replace(old, package))


def test_spec_accepts_names_and_evidence(project: Path) -> None:
    with_package(project)
    dev = shipspec.load(project / "handoff.yaml").development
    assert dev is not None
    assert [(d.name, d.evidence) for d in dev.deliverables] == [
        ("tests-passing", None),
        ("test report", "reports/junit.xml"),
        ("security review", "docs/security-review.md"),
        ("load test", "reports/load.txt"),
        ("coverage", "reports"),
    ]
    model = shipspec.plan(shipspec.load(project / "handoff.yaml"))
    assert model.development is not None
    assert model.development.deliverables[0] == "tests-passing"
    assert model.development.evidence == {
        "test report": "reports/junit.xml",
        "security review": "docs/security-review.md",
        "load test": "reports/load.txt",
        "coverage": "reports",
    }


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ("/etc/passwd", "must be a path relative to the spec file"),
        ("C:/reports/x.xml", "must be a path relative to the spec file"),
        ("\\\\server\\share\\x", "must be a path relative to the spec file"),
        ("file:///etc/passwd", "must be a path relative to the spec file"),
    ],
)
def test_absolute_evidence_paths_are_spec_errors(
    project: Path, evidence: str, message: str
) -> None:
    with_package(
        project, f"  deliverables:\n    - {{name: report, evidence: {json.dumps(evidence)}}}\n"
    )
    with pytest.raises(SpecError) as caught:
        shipspec.load(project / "handoff.yaml")
    (problem,) = caught.value.diagnostics
    assert problem.path == "development.deliverables[0].evidence"
    assert message in problem.message
    assert problem.line == 9


def test_a_duplicated_deliverable_name_is_an_error(project: Path) -> None:
    with_package(project, "  deliverables:\n    - report\n    - {name: report, evidence: r.xml}\n")
    with pytest.raises(SpecError, match=r"development\.deliverables\[1\]: lists 'report' twice"):
        shipspec.load(project / "handoff.yaml")


def test_session_start_records_which_deliverables_have_evidence(project: Path, clock) -> None:
    with_package(project)
    (project / "reports").mkdir()
    (project / "reports/junit.xml").write_text("<testsuite tests='3'/>\n")
    (project / "reports/load.txt").write_text("")  # empty: only claimed
    status = start_session(project / "handoff.yaml", cwd=project, clock=clock)
    records = {d.name: d for d in status.session.deliverables}
    assert [d.name for d in status.session.deliverables] == [
        "tests-passing",
        "test report",
        "security review",
        "load test",
        "coverage",
    ]
    assert records["test report"].proven
    assert records["test report"].detail.endswith(" 23 bytes")
    assert records["test report"].detail.startswith("sha256:")
    unproven = {n: r.detail for n, r in records.items() if not r.proven}
    assert unproven == {
        "tests-passing": "no evidence named",
        "security review": "the evidence file does not exist",
        "load test": "the evidence file is empty",
        "coverage": "the evidence is not a regular file",
    }

    text = (project / PROGRESS_FILE).read_text()
    assert "#### Development handoff package" in text
    assert "- **test report**: evidence `reports/junit.xml` (sha256:" in text
    assert "- **load test**: only claimed `reports/load.txt` (the evidence file is empty)" in text
    assert "only claimed: tests-passing, security review, load test, coverage" in text  # audit

    # The record survives a re-read, and `session status` shows it.
    again = session_status(cwd=project)
    assert again.session.deliverables == status.session.deliverables
    from shipspec.cli import app

    shown = CliRunner().invoke(app, ["session", "status"])
    assert "Development handoff package:" in shown.output
    assert "  tests-passing: only claimed (no evidence named)" in shown.output
    assert "  test report: evidence reports/junit.xml (sha256:" in shown.output
    data = json.loads(CliRunner().invoke(app, ["session", "status", "--json"]).stdout)
    assert [d["proven"] for d in data["deliverables"]] == [False, True, False, False, False]


def test_evidence_is_relative_to_the_spec_file(project: Path, clock) -> None:
    (project / "deploy").mkdir()
    os.replace(project / "handoff.yaml", project / "deploy/handoff.yaml")
    with_package(
        project / "deploy", "  deliverables:\n    - {name: report, evidence: ../reports/r.txt}\n"
    )
    (project / "reports").mkdir()
    (project / "reports/r.txt").write_text("ok\n")
    status = start_session(project / "deploy/handoff.yaml", cwd=project, clock=clock)
    assert status.session.deliverables[0].proven


@pytest.mark.parametrize("evidence", ["../../../../etc/passwd", "reports/../../outside.txt"])
def test_evidence_outside_the_repository_refuses_the_start(
    project: Path, clock, evidence: str
) -> None:
    (project.parent / "outside.txt").write_text("secret\n")
    with_package(
        project, f"  deliverables:\n    - ok\n    - {{name: leak, evidence: {evidence}}}\n"
    )
    with pytest.raises(SessionRefused) as caught:
        start_session(project / "handoff.yaml", cwd=project, clock=clock)
    (problem,) = caught.value.diagnostics
    assert problem.path == "development.deliverables[1].evidence"
    assert problem.line == 10
    assert "leads outside the repository" in problem.message
    assert not (project / PROGRESS_FILE).exists()


def test_a_link_leading_out_of_the_repository_is_refused(project: Path, clock) -> None:
    (project.parent / "outside.txt").write_text("secret\n")
    (project / "reports").mkdir()
    os.symlink(project.parent / "outside.txt", project / "reports/r.txt")
    with_package(project, "  deliverables:\n    - {name: report, evidence: reports/r.txt}\n")
    with pytest.raises(SessionRefused, match="leads outside the repository"):
        start_session(project / "handoff.yaml", cwd=project, clock=clock)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_a_named_pipe_is_never_opened(project: Path, clock) -> None:
    (project / "reports").mkdir()
    os.mkfifo(project / "reports/pipe")
    with_package(project, "  deliverables:\n    - {name: report, evidence: reports/pipe}\n")
    status = start_session(project / "handoff.yaml", cwd=project, clock=clock)
    (record,) = status.session.deliverables
    assert not record.proven
    assert record.detail == "the evidence is not a regular file"


def test_cli_refusal_is_located_without_a_traceback(project: Path) -> None:
    from shipspec.cli import app

    with_package(project, "  deliverables:\n    - {name: leak, evidence: ../../x}\n")
    result = CliRunner().invoke(app, ["session", "start"])
    assert result.exit_code == 1
    assert "development.deliverables[0].evidence: evidence '../../x' leads outside" in result.output
    assert "(handoff.yaml:9:" in result.output
    assert "Traceback" not in result.output


def test_unfollowable_paths_are_only_claimed_never_a_crash(project: Path, clock) -> None:
    os.symlink("loop-b", project / "loop-a")
    os.symlink("loop-a", project / "loop-b")
    long_name = "r" * 300
    with_package(
        project,
        "  deliverables:\n"
        f"    - {{name: long, evidence: {long_name}}}\n"
        "    - {name: loop, evidence: loop-a/report.xml}\n",
    )
    status = start_session(project / "handoff.yaml", cwd=project, clock=clock)
    details = {d.name: (d.proven, d.detail) for d in status.session.deliverables}
    assert details["long"][0] is False
    assert "name too long" in details["long"][1].lower()
    assert details["loop"] == (False, "the evidence path cannot be followed (a symbolic link loop)")
