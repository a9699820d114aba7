"""The progress file under hostile conditions: concurrent writers, a hostile state block,
an unwritable folder. Each is a located message (exit 1) or a complete record, never a bug."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.session import PROGRESS_FILE, SessionError, mark_step, start_session
from shipspec.session import lock as lock_module
from shipspec.session.progressfile import ProgressFile

PERSON_ITEMS = ("production-deployed", "runbook-reviewed", "production-verified")


@pytest.fixture
def started(project: Path, clock) -> Path:
    start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    return project


def test_ten_concurrent_marks_are_all_recorded(started: Path) -> None:
    code = (
        "import sys; from shipspec.cli import main; "
        "sys.argv = ['shipspec', 'session', 'mark', sys.argv[1], '--evidence', sys.argv[2]]; main()"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, PERSON_ITEMS[n % 3], f"evidence {n}"],
            cwd=started,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(10)
    ]
    results = [(run.wait(), run.stdout.read(), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
    assert [r[0] for r in results] == [0] * 10, results
    state = ProgressFile.read(started / PROGRESS_FILE).state
    assert state is not None
    details = sorted(e.detail for e in state.audit if e.action.startswith("marked "))
    assert details == sorted(f"evidence {n}" for n in range(10))


def test_a_held_lock_times_out_with_a_message_and_writes_nothing(
    started: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress = started / PROGRESS_FILE
    before = progress.read_bytes()
    monkeypatch.setattr(lock_module, "TIMEOUT_SECONDS", 0.2)
    with open(lock_module.lock_path(progress), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SessionError, match="another shipspec session command"):
            mark_step("runbook-reviewed", "read it", cwd=started)
    assert progress.read_bytes() == before


def _hostile_state(started: Path, json_text: str) -> None:
    progress = started / PROGRESS_FILE
    lines = progress.read_text().split("\n")
    begin = lines.index("<!-- shipspec:begin state -->")
    end = lines.index("<!-- shipspec:end state -->")
    lines[begin + 2 : end - 1] = [json_text]
    progress.write_text("\n".join(lines))


@pytest.mark.parametrize(
    ("json_text", "said"),
    [
        ('{"app": ' + "9" * 5000 + "}", "holds"),
        ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
        ('{"app": "\\ud800"}', "surrogates"),
    ],
    ids=["5000-digit integer", "100000 nested brackets", "lone surrogate"],
)
def test_a_hostile_state_block_is_a_located_error(
    started: Path, cli, json_text: str, said: str
) -> None:
    _hostile_state(started, json_text)
    before = (started / PROGRESS_FILE).read_bytes()
    for args in (["session", "status"], ["session", "mark", "runbook-reviewed", "--evidence", "x"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "framework_progress.md:" in result.output and said in result.output
        assert "internal error" not in result.output
    assert (started / PROGRESS_FILE).read_bytes() == before


def test_an_unwritable_progress_folder_is_a_located_error(
    started: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(started))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = CliRunner().invoke(cli, ["session", "mark", "runbook-reviewed", "--evidence", "read"])
    assert result.exit_code == 1, result.output
    assert "cannot write the progress file" in result.output and "lsattr" in result.output


def test_the_state_record_written_is_still_json(started: Path) -> None:
    mark_step("runbook-reviewed", 'a "quoted" <!-- --> \u2028 note', cwd=started)
    state = ProgressFile.read(started / PROGRESS_FILE).state
    assert state is not None
    assert json.loads(json.dumps(state.model_dump(mode="json")))
