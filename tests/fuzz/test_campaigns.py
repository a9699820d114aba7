"""Fuzz campaigns, seeded and bounded: hostile specs through the CLI, hostile compose
projects through the importer, hostile progress files through the session reader.

Each asserts the one promise that matters here: a user's input gives a result or a
located message (exit 1), never an internal error (exit 70, any other exception).
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.errors import ShipspecError
from shipspec.importers import import_compose
from shipspec.session.errors import SessionError
from shipspec.session.progressfile import ProgressFile
from tests.conftest import EXAMPLES
from tests.fuzz.campaigns import CAMPAIGN, VALUES, byte_mutation, paths, replaced

pytestmark = pytest.mark.fuzz
FIXTURES = Path(__file__).resolve().parents[1] / "importers" / "fixtures"
WEBAPP = (EXAMPLES / "webapp.yaml").read_bytes()
WEBAPP_DOC = yaml.safe_load(WEBAPP)
WEBAPP_PATHS = paths(WEBAPP_DOC)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def assert_no_bug(result: Any) -> None:
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert "internal error" not in result.output, result.output


def validate(workdir: Path, raw: bytes) -> None:
    spec = workdir / "handoff.yaml"
    spec.write_bytes(raw)
    assert_no_bug(CliRunner().invoke(app, ["validate", str(spec)]))


@CAMPAIGN
@given(st.sampled_from(WEBAPP_PATHS), VALUES)
def test_spec_with_a_hostile_value_anywhere(
    workdir: Path, path: tuple[Any, ...], value: Any
) -> None:
    document = replaced(WEBAPP_DOC, path, value)
    validate(workdir, yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass"))


@CAMPAIGN
@given(byte_mutation(WEBAPP))
def test_spec_with_mangled_bytes(workdir: Path, raw: bytes) -> None:
    validate(workdir, raw)


@settings(CAMPAIGN, max_examples=30)  # large inputs: fewer cases, the deepest included
@given(st.sampled_from(["minimal", "webapp"]), st.integers(1, 100_000) | st.just(100_000))
def test_spec_nested_deeply(workdir: Path, example: str, depth: int) -> None:
    raw = (EXAMPLES / f"{example}.yaml").read_bytes()
    validate(workdir, raw + b"extra: " + b"[" * depth + b"]" * depth + b"\n")


COMPOSE_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if (p / "compose.yaml").is_file())


def import_hostile_compose(workdir: Path, fixture: str, raw: bytes) -> None:
    project = workdir / "compose"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(FIXTURES / fixture, project)
    (project / "compose.yaml").write_bytes(raw)
    with contextlib.suppress(ShipspecError):
        import_compose([project / "compose.yaml"], environ={})


@CAMPAIGN
@given(st.sampled_from(COMPOSE_FIXTURES), st.data())
def test_compose_with_a_hostile_value_anywhere(
    workdir: Path, fixture: str, data: st.DataObject
) -> None:
    document = yaml.safe_load((FIXTURES / fixture / "compose.yaml").read_text())
    path = data.draw(st.sampled_from(paths(document)))
    value = data.draw(VALUES)
    text = yaml.safe_dump(replaced(document, path, value), allow_unicode=True)
    import_hostile_compose(workdir, fixture, text.encode("utf-8", "surrogatepass"))


@CAMPAIGN
@given(st.sampled_from(COMPOSE_FIXTURES), st.data())
def test_compose_with_mangled_bytes(workdir: Path, fixture: str, data: st.DataObject) -> None:
    raw = (FIXTURES / fixture / "compose.yaml").read_bytes()
    import_hostile_compose(workdir, fixture, data.draw(byte_mutation(raw)))


@pytest.fixture(scope="module")
def progress_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real progress file: a session started on the shop handoff."""
    from shipspec.session import PROGRESS_FILE, mark_step, start_session

    root = tmp_path_factory.mktemp("session")
    (root / ".git").mkdir()
    shutil.copy(EXAMPLES / "shop.yaml", root / "handoff.yaml")
    start_session(root / "handoff.yaml", cwd=root, actor="fuzz@example.com")
    mark_step("runbook-reviewed", "read it", cwd=root, actor="fuzz@example.com")
    return (root / PROGRESS_FILE).read_bytes()


def read_hostile_progress(workdir: Path, raw: bytes) -> None:
    path = workdir / "framework_progress.md"
    path.write_bytes(raw)
    try:
        doc = ProgressFile.read(path)
        if doc.state is not None:
            doc.write(doc.state)
            ProgressFile.read(path)  # what shipspec wrote, it reads back
    except SessionError:
        pass


@CAMPAIGN
@given(st.data())
def test_progress_file_with_mangled_bytes(
    workdir: Path, progress_file: bytes, data: st.DataObject
) -> None:
    read_hostile_progress(workdir, data.draw(byte_mutation(progress_file)))


@CAMPAIGN
@given(st.data())
def test_progress_state_with_a_hostile_value_anywhere(
    workdir: Path, progress_file: bytes, data: st.DataObject
) -> None:
    import json

    text = progress_file.decode()
    begin = text.index("<!-- shipspec:begin state -->")
    open_end = text.index("\n", text.index("<!-- shipspec-state", begin)) + 1
    close = text.index("\n-->", open_end)
    state = json.loads(text[open_end:close])
    path = data.draw(st.sampled_from(paths(state)))
    value = data.draw(VALUES)
    record = json.dumps(replaced(state, path, value), indent=1)
    hostile = text[:open_end] + record + text[close:]
    read_hostile_progress(workdir, hostile.encode("utf-8", "surrogatepass"))
