"""The writer: creates, updates, deletes; refuses to clobber hand edits; --check; atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipspec.errors import StaleOutput, WriteConflict
from shipspec.fileset import FileSet, digest
from shipspec.write import MANIFEST_PATH, write


def files(**content: str) -> FileSet:
    fs = FileSet()
    for path, text in content.items():
        fs.add(path.replace("__", "/"), text)
    return fs


def test_first_write_creates_files_and_manifest(tmp_path: Path) -> None:
    result = write(files(infra__main="a\n", README="b\n"), tmp_path)
    assert result.paths("create") == ["README", "infra/main"]
    assert (tmp_path / "infra/main").read_text() == "a\n"
    manifest = json.loads((tmp_path / MANIFEST_PATH).read_text())
    assert manifest["files"] == {"README": digest("b\n"), "infra/main": digest("a\n")}


def test_rewrite_of_same_input_changes_nothing(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    before = (tmp_path / MANIFEST_PATH).read_bytes()
    result = write(files(a="1\n"), tmp_path)
    assert result.paths("unchanged") == ["a"] and not result.changed
    assert (tmp_path / MANIFEST_PATH).read_bytes() == before


def test_update_of_untouched_file_is_allowed(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    result = write(files(a="2\n"), tmp_path)
    assert result.paths("update") == ["a"]
    assert (tmp_path / "a").read_text() == "2\n"


def test_hand_edited_file_is_not_overwritten_and_nothing_is_written(tmp_path: Path) -> None:
    write(files(a="1\n", b="1\n"), tmp_path)
    (tmp_path / "a").write_text("my edit\n")
    with pytest.raises(WriteConflict) as caught:
        write(files(a="2\n", b="2\n", c="new\n"), tmp_path)
    assert caught.value.paths == ["a"]
    assert "--force" in str(caught.value) and "  a" in str(caught.value)
    assert (tmp_path / "a").read_text() == "my edit\n"
    assert (tmp_path / "b").read_text() == "1\n", "a refused run must write nothing"
    assert not (tmp_path / "c").exists()


def test_force_overwrites_hand_edits(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    (tmp_path / "a").write_text("my edit\n")
    write(files(a="2\n"), tmp_path, force=True)
    assert (tmp_path / "a").read_text() == "2\n"


def test_unmanaged_existing_file_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("the user's own file\n")
    with pytest.raises(WriteConflict):
        write(files(a="generated\n"), tmp_path)


def test_file_no_longer_generated_is_deleted_unless_edited(tmp_path: Path) -> None:
    write(files(keep="k\n", gone__deep__x="x\n"), tmp_path)
    result = write(files(keep="k\n"), tmp_path)
    assert result.paths("delete") == ["gone/deep/x"]
    assert not (tmp_path / "gone").exists(), "emptied folders are pruned"
    write(files(keep="k\n", other="o\n"), tmp_path)
    (tmp_path / "other").write_text("edited\n")
    with pytest.raises(WriteConflict):
        write(files(keep="k\n"), tmp_path)
    assert (tmp_path / "other").read_text() == "edited\n"


def test_check_reports_stale_output_without_writing(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    assert not write(files(a="1\n"), tmp_path, check=True).changed
    with pytest.raises(StaleOutput) as caught:
        write(files(a="2\n", b="new\n"), tmp_path, check=True)
    assert caught.value.exit_code == 3
    assert caught.value.changes == ["create: b", "update: a"]
    assert (tmp_path / "a").read_text() == "1\n" and not (tmp_path / "b").exists()


def test_no_staging_folder_is_left_behind(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".shipspec-staging")] == []


def test_corrupt_manifest_protects_every_existing_file(tmp_path: Path) -> None:
    write(files(a="1\n"), tmp_path)
    (tmp_path / MANIFEST_PATH).write_text("{not json")
    with pytest.raises(WriteConflict):
        write(files(a="2\n"), tmp_path)
