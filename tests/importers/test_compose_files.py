"""Where compose reads its files from: the .env beside a symlinked compose file (as docker
compose does), and env files that are not UTF-8 text (refused, never read as U+FFFD)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.importers import ImportFailed, import_compose

COMPOSE = "services:\n  web:\n    image: ghcr.io/example/web:${TAG}\n"


def test_a_symlinked_compose_file_reads_the_env_beside_the_link(tmp_path: Path) -> None:
    # docker compose takes the project directory from the path it is given, unresolved
    # (compose-go; podman-compose #993 "Don't resolve links to compose file" matched it).
    shared, app = tmp_path / "shared", tmp_path / "app"
    shared.mkdir()
    app.mkdir()
    (shared / "compose.yaml").write_text(COMPOSE)
    (shared / ".env").write_text("TAG=from-target\n")
    (app / ".env").write_text("TAG=from-link\n")
    (app / "compose.yaml").symlink_to(shared / "compose.yaml")
    result = import_compose([app / "compose.yaml"], environ={})
    assert result.spec.services["web"].image == "ghcr.io/example/web:from-link"


def test_an_env_file_that_is_not_utf8_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    env_file:\n      - web.env\n"
    )
    (tmp_path / "web.env").write_bytes(b"A=1\nB=caf\xe9\n")
    with pytest.raises(ImportFailed) as failed:
        import_compose([tmp_path / "compose.yaml"], environ={})
    (problem,) = failed.value.diagnostics
    assert "web.env is not UTF-8 text (line 2)" in problem.message
    assert (problem.line, problem.path) == (5, "services.web.env_file[0]")
    assert "\ufffd" not in str(failed.value)
