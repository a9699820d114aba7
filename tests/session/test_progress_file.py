"""The progress file: people's text survives every write, and a file shipspec cannot read
safely is reported at its line and left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.session import PROGRESS_FILE, ProgressFileError, mark_step, start_session
from shipspec.session.hooks import record_success
from tests.conftest import EXAMPLES
from tests.session.conftest import Clock


@pytest.fixture
def started(project: Path, clock) -> Path:
    start_session(Path("handoff.yaml"), cwd=project, clock=clock, actor="alice")
    return project / PROGRESS_FILE


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode().splitlines(keepends=True)


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(lines_of(path), 1) if needle in line)


def refused(path: Path, clock) -> ProgressFileError:
    before = path.read_bytes()
    with pytest.raises(ProgressFileError) as caught:
        mark_step("runbook-reviewed", "ok", cwd=path.parent.parent, clock=clock)
    assert path.read_bytes() == before, "a refused write must leave the file untouched"
    return caught.value


def test_text_around_and_between_blocks_is_kept_byte_for_byte(started: Path, clock) -> None:
    lines = lines_of(started)
    begin = line_of(started, "shipspec:begin session-1")
    lines.insert(begin - 1, "People's note between blocks, with trailing spaces   \r\n")
    lines.insert(0, "\ufeffA first line with a BOM\n")
    lines.append("Last line without a newline at the end")
    started.write_bytes("".join(lines).encode())
    mark_step("runbook-reviewed", "reviewed on 2026-11-19", cwd=started.parent.parent, clock=clock)
    after = started.read_bytes().decode()
    assert after.startswith("\ufeffA first line with a BOM\n")
    assert "People's note between blocks, with trailing spaces   \r\n<!-- shipspec:begin" in after
    assert after.endswith("Last line without a newline at the end")
    assert "reviewed on 2026-11-19" in after


def test_a_windows_file_stays_a_windows_file(project: Path, clock) -> None:
    path = project / PROGRESS_FILE
    path.parent.mkdir()
    path.write_bytes(b"# Notes\r\n\r\nwritten on Windows\r\n")
    start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    data = path.read_bytes()
    assert data.startswith(b"# Notes\r\n\r\nwritten on Windows\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_duplicated_markers_are_located(started: Path, clock) -> None:
    text = started.read_text()
    block = text[text.index("<!-- shipspec:begin phases") : text.index("<!-- shipspec:end phases")]
    started.write_text(text + "\n" + block + "<!-- shipspec:end phases -->\n")
    first = line_of(started, "shipspec:begin phases")
    second = len(text.splitlines()) + 2
    message = str(refused(started, clock))
    assert f"block `phases` appears twice (first at line {first})" in message
    assert f"{PROGRESS_FILE}:{second}:1" in message
    assert "hint: keep one copy: delete the other, markers included" in message


def test_an_unclosed_block_is_located(started: Path, clock) -> None:
    text = started.read_text().replace("<!-- shipspec:end audit -->\n", "")
    started.write_text(text)
    line = line_of(started, "shipspec:begin audit")
    message = str(refused(started, clock))
    assert f"block `audit` is never closed ({PROGRESS_FILE}:{line}:1)" in message


def test_broken_json_in_the_record_is_located(started: Path, clock) -> None:
    text = started.read_text().replace('"app": "shop",', '"app": "shop"', 1)
    started.write_text(text)
    line = line_of(started, '"audit": [')
    message = str(refused(started, clock))
    assert "state: the record is not valid JSON: Expecting ',' delimiter" in message
    assert f"({PROGRESS_FILE}:{line}:1)" in message
    assert "hint: restore it from version control" in message


def test_a_record_of_the_wrong_shape_is_located(started: Path, clock) -> None:
    text = started.read_text().replace('"status": "open"', '"status": "paused"', 1)
    started.write_text(text)
    line = line_of(started, '"status": "paused"')
    message = str(refused(started, clock))
    assert "state.sessions.0.status: Input should be 'open' or 'ended'" in message
    assert f"({PROGRESS_FILE}:{line}:1)" in message


def test_blocks_without_their_record(started: Path, clock) -> None:
    text = started.read_text()
    started.write_text(text[: text.index("<!-- shipspec:begin state")])
    message = str(refused(started, clock))
    assert "shipspec blocks without the `state` block that records them" in message


def test_an_unknown_marker_is_reported(started: Path, clock) -> None:
    started.write_text(started.read_text() + "<!-- shipspec:begin notes -->\n")
    assert "unknown shipspec block `notes`" in str(refused(started, clock))


def test_text_typed_inside_a_block_is_not_overwritten(started: Path, clock) -> None:
    text = started.read_text()
    edited = text.replace("#### Work\n", "#### Work\n\nMy note: prod deploy is Tuesday.\n")
    started.write_text(edited)
    line = line_of(started, "My note: prod deploy is Tuesday.")
    error = refused(started, clock)
    assert "text was added or changed inside shipspec's `session-1` block " in str(error)
    assert error.diagnostics[0].line == line
    assert "move your text outside the markers" in str(error)


def test_an_emptied_block_is_rendered_again(started: Path, clock) -> None:
    text = started.read_text()
    start = text.index("<!-- shipspec:begin session-1 -->\n") + len(
        "<!-- shipspec:begin session-1 -->\n"
    )
    end = text.index("<!-- shipspec:end session-1 -->")
    started.write_text(text[:start] + text[end:])
    mark_step("runbook-reviewed", "ok", cwd=started.parent.parent, clock=clock)
    assert "### Deployment session 1" in started.read_text()


def test_what_people_type_cannot_break_the_file(started: Path, clock) -> None:
    hostile = "done --> <!-- shipspec:end state -->\n| a | b |\n<script>x</script> & more"
    mark_step("runbook-reviewed", hostile, cwd=started.parent.parent, clock=clock)
    mark_step("production-deployed", "second", cwd=started.parent.parent, clock=clock)
    text = started.read_text()
    assert "<script>" not in text and "--> <!--" not in text
    from shipspec.session import session_status

    status = session_status(cwd=started.parent.parent)
    assert status.session.evidence["runbook-reviewed"].summary == hostile.strip()


def test_a_record_hook_never_fails_the_command(started: Path, clock) -> None:
    started.write_text(started.read_text().replace("<!-- shipspec:end audit -->\n", ""))
    before = started.read_bytes()
    from io import StringIO

    stream = StringIO()
    marked = record_success(
        "plan", Path("handoff.yaml"), "planned", cwd=started.parent.parent, stream=stream
    )
    assert marked == []
    assert started.read_bytes() == before
    warning = stream.getvalue()
    assert warning.startswith("warning: the deployment session did not record this:")
    assert "block `audit` is never closed" in warning
    assert warning.count("\n") == 1


def test_not_utf8(started: Path, clock) -> None:
    started.write_bytes(started.read_bytes() + b"\nlatin-1 text: \xe9t\xe9\n")
    line = len(lines_of_bytes(started))
    assert f"is not UTF-8 text ({PROGRESS_FILE}:{line}:1)" in str(refused(started, clock))


def lines_of_bytes(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_the_same_events_write_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        (root / "handoff.yaml").write_text((EXAMPLES / "shop.yaml").read_text())
        tick = Clock()
        start_session(root / "handoff.yaml", cwd=root, clock=tick, actor="alice")
        mark_step("runbook-reviewed", "ok", cwd=root, clock=tick, actor="bob")
        outputs.append((root / PROGRESS_FILE).read_bytes())
    assert outputs[0] == outputs[1]
