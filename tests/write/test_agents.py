"""shipspec's section of ``AGENTS.md``: inserted, updated in place, and never a byte of the
user's text disturbed; broken markers are located errors and the file stays as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import shipspec
from shipspec.errors import StaleOutput
from shipspec.write.agents import BEGIN, END, AgentsFileError, sync_agents_section, updated_text
from tests.conftest import EXAMPLES

BODY = ["## Deployment", "", "read the context"]
NEW_BODY = ["## Deployment", "", "read the context, then the spec"]


def outside(text: bytes) -> tuple[bytes, bytes]:
    """The bytes before the begin marker and after the end marker's line."""
    head, rest = text.split(BEGIN.encode(), 1)
    _, tail = rest.split(END.encode(), 1)
    return head, tail


@pytest.mark.parametrize(
    "user",
    [
        b"# Notes\n\nBe kind.\n",
        b"# Notes\n\nno final newline",
        b"# Notes\r\n\r\nWindows line endings\r\n",
        b"# Notes\r\nCRLF and no final newline",
        b"\n\n",
        b"caf\xc3\xa9 \xe2\x80\x94 unicode\n",
    ],
)
def test_the_section_is_appended_and_updated_without_touching_the_users_text(
    tmp_path: Path, user: bytes
) -> None:
    agents = tmp_path / "AGENTS.md"
    agents.write_bytes(user)
    assert sync_agents_section(tmp_path, BODY) == ("AGENTS.md", "update")
    first = agents.read_bytes()
    assert first.startswith(user)  # the user's bytes, then the section
    newline = b"\r\n" if b"\r\n" in user else b"\n"
    assert first.endswith(END.encode() + newline)
    assert b"read the context" + newline in first
    if newline == b"\r\n":
        assert b"\n" not in first.replace(b"\r\n", b"")

    # The user writes below the section; an update changes only the section.
    agents.write_bytes(first + b"More notes" + newline + b"last line, no newline")
    before_head, before_tail = outside(agents.read_bytes())
    assert sync_agents_section(tmp_path, NEW_BODY)[1] == "update"
    after = agents.read_bytes()
    assert outside(after) == (before_head, before_tail)
    assert b"then the spec" in after
    assert sync_agents_section(tmp_path, NEW_BODY)[1] == "unchanged"
    assert agents.read_bytes() == after


def test_a_section_in_the_middle_keeps_both_sides_and_its_marker_lines(tmp_path: Path) -> None:
    text = f"top\n\n  {BEGIN}  \nold body\n{END}\nbottom".encode()
    new = updated_text(text, BODY).encode()
    assert new == f"top\n\n  {BEGIN}  \n## Deployment\n\nread the context\n{END}\nbottom".encode()
    # The end marker as the very last line, without a newline, stays that way.
    text = f"top\n{BEGIN}\nold\n{END}".encode()
    assert updated_text(text, BODY).endswith(f"read the context\n{END}")


def test_a_missing_file_is_created_with_just_the_section(tmp_path: Path) -> None:
    assert sync_agents_section(tmp_path, BODY) == ("AGENTS.md", "create")
    assert (
        tmp_path / "AGENTS.md"
    ).read_text() == f"{BEGIN}\n## Deployment\n\nread the context\n{END}\n"


def test_check_writes_nothing(tmp_path: Path) -> None:
    assert sync_agents_section(tmp_path, BODY, check=True)[1] == "create"
    assert not (tmp_path / "AGENTS.md").exists()
    (tmp_path / "AGENTS.md").write_text("mine\n")
    assert sync_agents_section(tmp_path, BODY, check=True)[1] == "update"
    assert (tmp_path / "AGENTS.md").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (f"a\n{BEGIN}\nbody\n", 2, "is never closed"),
        (f"a\n{BEGIN}\nx\n{END}\n{BEGIN}\ny\n{END}\n", 5, "appears twice (first at line 2)"),
        (f"a\n{END}\n{BEGIN}\nx\n{END}\n", 2, "without its begin"),
        (f"{BEGIN}\n{BEGIN}\nx\n{END}\n", 2, "begins again (opened at line 1)"),
        ("a\n<!-- shipspec:begin other -->\n", 2, "unknown shipspec section `other`"),
        ("a\n\n<!-- shipspec:begn deployment-context -->\n", 3, "unrecognised marker"),
    ],
)
def test_a_broken_marker_is_located_and_nothing_is_written(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    agents = tmp_path / "AGENTS.md"
    agents.write_text(text)
    with pytest.raises(AgentsFileError) as caught:
        sync_agents_section(tmp_path, BODY)
    assert any(d.line == line and message in d.message for d in caught.value.diagnostics), str(
        caught.value
    )
    assert f"AGENTS.md:{line}:" in str(caught.value)
    assert agents.read_text() == text


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_bytes(b"ok\n\xff\xfe\n")
    with pytest.raises(AgentsFileError, match="is not UTF-8"):
        sync_agents_section(tmp_path, BODY)


def test_a_link_out_of_the_output_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("not yours\n")
    os.symlink(elsewhere, out / "AGENTS.md")
    with pytest.raises(AgentsFileError, match="outside the output folder"):
        sync_agents_section(out, BODY)
    assert elsewhere.read_text() == "not yours\n"
    # A link inside the folder is followed, and stays a link.
    inside = out / "docs" / "AGENTS.md"
    inside.parent.mkdir()
    inside.write_text("team notes\n")
    (out / "AGENTS.md").unlink()
    os.symlink(inside, out / "AGENTS.md")
    sync_agents_section(out, BODY)
    assert (out / "AGENTS.md").is_symlink()
    assert inside.read_text().startswith("team notes\n\n" + BEGIN)


def test_generate_keeps_the_section_current_and_check_notices(tmp_path: Path) -> None:
    spec = (EXAMPLES / "minimal.yaml").read_text()
    model = shipspec.plan(shipspec.loads(spec))
    (tmp_path / "AGENTS.md").write_text("# Our repo\n")
    result = shipspec.generate(model, tmp_path)
    assert result.actions["AGENTS.md"] == "update"
    text = (tmp_path / "AGENTS.md").read_text()
    assert text.startswith("# Our repo\n\n" + BEGIN)
    assert "`.ai_context/deployment_context.md`" in text
    assert "`shipspec generate handoff.yaml -o .`" in text
    shipspec.generate(model, tmp_path, check=True)

    (tmp_path / "AGENTS.md").write_text("# Our repo\n")  # the section deleted by hand
    with pytest.raises(StaleOutput, match=r"update: AGENTS\.md \(shipspec's section\)"):
        shipspec.generate(model, tmp_path, check=True)
    assert (tmp_path / "AGENTS.md").read_text() == "# Our repo\n"


def test_generate_with_a_broken_agents_file_writes_nothing(tmp_path: Path) -> None:
    model = shipspec.plan(shipspec.loads((EXAMPLES / "minimal.yaml").read_text()))
    (tmp_path / "AGENTS.md").write_text(f"mine\n{BEGIN}\n")
    with pytest.raises(AgentsFileError, match="never closed"):
        shipspec.generate(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AGENTS.md"]
