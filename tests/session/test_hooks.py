"""``record_success`` and ``session mark``: evidence lands on the right steps, only inside a
session, only when its conditions hold, and a person cannot stand in for a command
unless they say so."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest

import shipspec
from shipspec.session import (
    PROGRESS_FILE,
    SessionError,
    end_session,
    mark_step,
    record_success,
    session_status,
    start_session,
)
from tests.session import session_support as run


@pytest.fixture
def started(project: Path, clock) -> Path:
    start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    return project


@pytest.fixture
def generated(started: Path) -> Path:
    out = started / "out"
    model = shipspec.plan(shipspec.load(started / "handoff.yaml"), spec_file="../handoff.yaml")
    shipspec.generate(model, out)
    return out


def test_outside_a_session_nothing_is_written(project: Path) -> None:
    stream = StringIO()
    assert record_success("plan", Path("handoff.yaml"), "planned", stream=stream) == []
    assert not (project / PROGRESS_FILE).exists()
    assert stream.getvalue() == ""


def test_after_the_session_ended_nothing_is_recorded(started: Path, generated: Path) -> None:
    for item in ("production-deployed", "runbook-reviewed", "production-verified"):
        mark_step(item, "ok", cwd=started)
    for command, env in (("plan", None), ("doctor", None), ("check", None), ("preview", "prod")):
        record_success(command, generated, f"{command} ok", cwd=started, environment=env)
    record_success("generate", generated, "generated", cwd=started)
    end_session(cwd=started, check_package=lambda out: "package ok")
    before = (started / PROGRESS_FILE).read_bytes()
    assert record_success("plan", Path("handoff.yaml"), "planned again", cwd=started) == []
    assert (started / PROGRESS_FILE).read_bytes() == before


def test_the_same_result_twice_changes_nothing(started: Path) -> None:
    assert run.plan(Path("handoff.yaml")) == ["requirements-planned"]
    before = (started / PROGRESS_FILE).read_bytes()
    assert run.plan(Path("handoff.yaml")) == []
    assert (started / PROGRESS_FILE).read_bytes() == before


def test_generate_without_ci_files_leaves_the_pipeline_step_open(
    started: Path, generated: Path
) -> None:
    shutil.rmtree(generated / ".github")
    marked = record_success("generate", generated, "generated", cwd=started)
    assert "pipeline-generated" not in marked
    assert "infrastructure-generated" in marked
    status = session_status(cwd=started)
    assert status.session.output == "out"


def test_only_the_production_preview_counts(started: Path, generated: Path) -> None:
    assert record_success("preview", generated, "dev ok", cwd=started, environment="dev") == []
    assert record_success("preview", generated, "prod ok", cwd=started, environment="prod") == [
        "production-previewed"
    ]


def test_a_person_cannot_mark_what_a_command_proves(started: Path) -> None:
    with pytest.raises(SessionError) as caught:
        mark_step("environment-ready", "it works on my machine", cwd=started)
    message = str(caught.value)
    assert "`environment-ready` is proved by `shipspec doctor`, not by a person" in message
    assert "hint: run `shipspec doctor .`" in message


def test_an_override_is_recorded_as_one(started: Path) -> None:
    status = mark_step(
        "environment-ready", "doctor passed on the CI runner: run 77", cwd=started, override=True
    )
    assert status.session.evidence["environment-ready"].override
    text = (started / PROGRESS_FILE).read_text()
    assert "marked environment-ready (override)" in text
    assert ", override: “doctor passed on the CI runner: run 77”" in text


@pytest.mark.parametrize(
    ("step", "evidence", "message"),
    [
        ("deployed", "x", "no protocol step `deployed`"),
        ("production-deployed", "   ", "the evidence is empty"),
        ("audit-trail-recorded", "x", "is proved by `shipspec session end`"),
    ],
)
def test_marks_that_are_refused(started: Path, step: str, evidence: str, message: str) -> None:
    before = (started / PROGRESS_FILE).read_bytes()
    with pytest.raises(SessionError, match=message):
        mark_step(step, evidence, cwd=started)
    assert (started / PROGRESS_FILE).read_bytes() == before


def test_end_needs_a_current_package(started: Path, generated: Path) -> None:
    from shipspec.session import check_operations_package

    (generated / "docs/operations/runbook.md").write_text("edited by hand\n")
    with pytest.raises(SessionError) as caught:
        check_operations_package(generated)
    assert "update: docs/operations/runbook.md" in str(caught.value)
    assert "hint: run `shipspec generate ../handoff.yaml -o" in str(caught.value)


def test_a_second_session_follows_the_first(started: Path, generated: Path, clock) -> None:
    for item in ("production-deployed", "runbook-reviewed", "production-verified"):
        mark_step(item, "ok", cwd=started, clock=clock)
    for command, env in (("plan", None), ("doctor", None), ("check", None), ("preview", "prod")):
        record_success(command, generated, f"{command} ok", cwd=started, environment=env)
    record_success("generate", generated, "generated", cwd=started, clock=clock)
    end_session(cwd=started, check_package=lambda out: "package ok", clock=clock)
    second = start_session(Path("handoff.yaml"), cwd=started, clock=clock)
    assert second.session.number == 2
    text = (started / PROGRESS_FILE).read_text()
    assert text.index("shipspec:end session-1") < text.index("shipspec:begin session-2")
    assert text.index("shipspec:end session-2") < text.index("shipspec:begin audit")
    assert "| 7 | Deployment | in-progress |" in text
    assert "| 8 | Operations | ready |" in text


def test_a_verified_production_status_proves_the_live_steps(started: Path, generated: Path) -> None:
    """`shipspec status --env prod` records only when it exits 0 (verified)."""
    assert record_success("status", generated, "status dev: verified", environment="dev") == []
    marked = record_success("status", generated, "status prod: verified", environment="prod")
    assert marked == ["production-deployed", "production-verified"]
    evidence = session_status(cwd=started).session.evidence
    assert evidence["production-verified"].command == f"shipspec status {generated}"


def test_a_person_may_still_mark_the_live_steps(started: Path) -> None:
    status = mark_step("production-verified", "smoke tests passed", cwd=started)
    assert "production-verified" in status.session.evidence
