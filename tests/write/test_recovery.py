"""Interrupted and refused writes: a kill at every step, full and read-only disks, links, EXDEV."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from shipspec.errors import StaleOutput
from shipspec.fileset import FileSet, digest
from shipspec.write import MANIFEST_PATH, journal, write
from shipspec.write.errors import InterruptedWrite, UnsafePath, WriteFailed


class Killed(BaseException):
    """Stands for SIGKILL: nothing in shipspec may catch it and clean up."""


def fileset(content: dict[str, str]) -> FileSet:
    fs = FileSet()
    for path, text in content.items():
        fs.add(path, text)
    return fs


OLD = {"infra/__main__.py": "old main\n", "infra/Pulumi.prod.yaml": "old config\n", "gone": "x\n"}
NEW = {"infra/__main__.py": "new main\n", "infra/Pulumi.prod.yaml": "new config\n", "added": "y\n"}


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".shipspec" not in p.parts
    }


def assert_consistent_new(out: Path) -> None:
    assert tree(out) == NEW
    manifest = json.loads((out / MANIFEST_PATH).read_text())["files"]
    assert manifest == {p: digest(t) for p, t in NEW.items()}
    assert not list((out / ".shipspec").glob("staging-*"))
    assert not (out / journal.JOURNAL_PATH).exists()
    write(fileset(NEW), out, check=True)  # up to date, nothing left over


@pytest.mark.parametrize("moves", range(5))  # 3 files + manifest = 4 moves; 4 = during deletes
def test_a_kill_after_each_rename_is_caught_by_check_and_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moves: int
) -> None:
    write(fileset(OLD), tmp_path)
    real_move, real_unlink, done = journal._move, Path.unlink, [0]

    def move(source: Path, target: Path) -> None:
        if done[0] == moves:
            raise Killed
        done[0] += 1
        real_move(source, target)

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if moves == 4 and self.name == "gone":
            raise Killed
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(journal, "_move", move)
    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(Killed):
        write(fileset(NEW), tmp_path)
    monkeypatch.undo()
    assert (tmp_path / journal.JOURNAL_PATH).exists()
    with pytest.raises(InterruptedWrite, match=r"journal\.json") as caught:
        write(fileset(NEW), tmp_path, check=True)
    assert caught.value.exit_code == 3
    result = write(fileset(NEW), tmp_path)
    assert result.notes and "finished an interrupted generate" in result.notes[0]
    assert_consistent_new(tmp_path)


def test_a_kill_while_staging_changes_nothing_and_the_next_run_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fileset(OLD), tmp_path)
    real, calls = journal._write_synced, [0]

    def write_synced(path: Path, data: bytes, *, atomic: bool = False) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise Killed
        real(path, data, atomic=atomic)

    monkeypatch.setattr(journal, "_write_synced", write_synced)
    with pytest.raises(Killed):
        write(fileset(NEW), tmp_path)
    monkeypatch.undo()
    assert tree(tmp_path) == OLD
    with pytest.raises(InterruptedWrite, match="staging-"):
        write(fileset(OLD), tmp_path, check=True)
    result = write(fileset(NEW), tmp_path)
    assert any("removed .shipspec/staging-" in n for n in result.notes)
    assert_consistent_new(tmp_path)


def test_legacy_staging_folders_beside_the_output_are_reported_and_removed(tmp_path: Path) -> None:
    write(fileset(NEW), tmp_path)
    (tmp_path / ".shipspec-staging-abc123" / "infra").mkdir(parents=True)
    with pytest.raises(InterruptedWrite, match=r"\.shipspec-staging-abc123"):
        write(fileset(NEW), tmp_path, check=True)
    write(fileset(NEW), tmp_path)
    assert not (tmp_path / ".shipspec-staging-abc123").exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_disk_is_a_located_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    write(fileset(OLD), tmp_path)

    def refuse(path: Path, data: bytes, *, atomic: bool = False) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(journal, "_write_synced", refuse)
    with pytest.raises(WriteFailed, match="nothing was changed") as caught:
        write(fileset(NEW), tmp_path)
    assert caught.value.exit_code == 1 and os.strerror(code) in str(caught.value)
    assert "hint:" in str(caught.value)
    monkeypatch.undo()
    assert tree(tmp_path) == OLD
    assert not list((tmp_path / ".shipspec").glob("staging-*"))


def test_a_failure_during_the_renames_says_the_next_run_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fileset(OLD), tmp_path)

    def full(source: Path, target: Path) -> None:
        raise OSError(errno.EIO, "Input/output error", str(target))

    monkeypatch.setattr(journal, "_move", full)
    with pytest.raises(WriteFailed, match="next `shipspec generate` finish"):
        write(fileset(NEW), tmp_path)
    monkeypatch.undo()
    write(fileset(NEW), tmp_path)
    assert_consistent_new(tmp_path)


def test_a_cross_device_rename_falls_back_to_copy_and_rename_in_the_target_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, renames = os.replace, []

    def replace(source: str | Path, target: str | Path) -> None:
        if journal.STAGING_PREFIX in str(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        assert Path(source).parent == Path(target).parent, "the last step renames in place"
        renames.append(Path(target).name)
        real(source, target)

    monkeypatch.setattr(journal.os, "replace", replace)
    write(fileset(NEW), tmp_path)
    monkeypatch.undo()
    assert "__main__.py" in renames
    assert_consistent_new(tmp_path)
    assert not list(tmp_path.rglob(".shipspec-copy-*"))


def test_a_symlinked_folder_inside_the_output_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "__main__.py").write_text("someone else's\n")
    out.mkdir()
    (out / "infra").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePath, match="infra -> ") as caught:
        write(fileset(NEW), out)
    assert "symbolic link" in str(caught.value) and caught.value.exit_code == 1
    assert (elsewhere / "__main__.py").read_text() == "someone else's\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["__main__.py"]


def test_a_symlinked_state_folder_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / ".shipspec").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePath, match=r"\.shipspec -> "):
        write(fileset(NEW), out)
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize(
    "planted", ["../../victim", "/tmp/victim", "infra/../../victim", "./gone", "a//b", "C:x", ""]
)
def test_manifest_paths_outside_the_folder_are_refused_never_deleted(
    tmp_path: Path, planted: str
) -> None:
    out = tmp_path / "a" / "b"
    write(fileset(OLD), out)
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    manifest_file = out / MANIFEST_PATH
    manifest = json.loads(manifest_file.read_text())
    manifest["files"][planted] = digest("keep me\n")
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(UnsafePath, match="not relative paths inside the output") as caught:
        write(fileset(NEW), out)
    assert repr(planted) in str(caught.value)
    assert victim.read_text() == "keep me\n"
    assert tree(out) == OLD


def test_a_manifest_entry_through_a_link_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    write(fileset(OLD), out)
    elsewhere.mkdir()
    (elsewhere / "x").write_text("x\n")
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)
    manifest_file = out / MANIFEST_PATH
    manifest = json.loads(manifest_file.read_text())
    manifest["files"]["linked/x"] = digest("x\n")
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(UnsafePath, match="linked -> "):
        write(fileset(NEW), out)
    assert (elsewhere / "x").read_text() == "x\n"


def test_a_tampered_journal_is_refused_and_touches_nothing(tmp_path: Path) -> None:
    write(fileset(OLD), tmp_path)
    victim = tmp_path.parent / f"{tmp_path.name}-victim"
    victim.write_text("keep me\n")
    (tmp_path / journal.JOURNAL_PATH).write_text(
        json.dumps({"format": 1, "staging": "staging-x", "replace": [], "delete": ["../v"]})
    )
    with pytest.raises(UnsafePath, match="outside the output folder"):
        write(fileset(NEW), tmp_path)
    assert victim.read_text() == "keep me\n"
    with pytest.raises((InterruptedWrite, StaleOutput)):
        write(fileset(OLD), tmp_path, check=True)


def test_a_full_disk_during_generate_is_exit_1_with_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from shipspec.cli import app
    from tests.conftest import EXAMPLES

    def full(path: Path, data: bytes, *, atomic: bool = False) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    spec = tmp_path / "handoff.yaml"
    spec.write_bytes((EXAMPLES / "minimal.yaml").read_bytes())
    monkeypatch.setattr(journal, "_write_synced", full)
    result = CliRunner().invoke(app, ["generate", str(spec)])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "nothing was changed" in result.output
    assert "internal error" not in result.output
