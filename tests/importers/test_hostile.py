"""Compose files are untrusted: bombs, loops and files outside the project are refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.importers import ImportFailed, import_compose


def refused(compose, text: str, **extra: str) -> ImportFailed:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed) as failed:
        compose(text, extra=extra)
    return failed.value


def test_alias_bomb(compose) -> None:  # type: ignore[no-untyped-def]
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    failed = refused(compose, "\n".join(lines) + "\nservices: {web: {image: x, labels: *a7}}\n")
    assert failed.diagnostics[0].code == "too-many-nodes"


def test_env_file_outside_the_project_is_not_read(compose) -> None:  # type: ignore[no-untyped-def]
    failed = refused(compose, "services:\n  web:\n    image: x\n    env_file: /etc/passwd\n")
    assert failed.diagnostics[0].code == "outside-project"
    assert failed.diagnostics[0].path == "services.web.env_file[0]"


def test_include_loop_is_stopped(compose) -> None:  # type: ignore[no-untyped-def]
    failed = refused(compose, "include: [compose.yaml]\nservices: {web: {image: x}}\n")
    assert failed.diagnostics[0].code in ("too-deep", "too-many-files")


def test_extends_loop_is_an_error(compose) -> None:  # type: ignore[no-untyped-def]
    failed = refused(
        compose, "services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n"
    )
    assert failed.diagnostics[0].code == "extends-loop"


def test_include_adds_services_from_another_file(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "include: [db/compose.yaml]\nservices:\n  web:\n    image: x\n    environment: {DB_URL: 'postgres://db/app'}\n",
        extra={"db/compose.yaml": "services:\n  db:\n    image: postgres:16\n"},
    )
    assert result.spec.services["web"].uses == ["db"]
    db = [f for f in result.report.mapped if f.service == "db"]
    assert db and db[0].file == "db/compose.yaml"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("services: [web]\n", "invalid"),
        ("- a\n- b\n", "not-a-mapping"),
        ("servces: {}\n", "unknown-key"),
        ("services:\n  web: {image: x}\n  web: {image: y}\n", "duplicate-key"),
        ("services:\n  web:\n    image: x\n    ports: ['80:http']\n", "compose"),
        ("services:\n  web: {image: x, deploy: {replicas: lots}}\n", "compose"),
        ("services:\n  web: {image: x, secrets: [nope]}\n", "compose"),
        ("\x00binary", "binary"),
    ],
)
def test_malformed_compose_is_a_located_error(compose, text: str, code: str) -> None:  # type: ignore[no-untyped-def]
    failed = refused(compose, text)
    assert failed.diagnostics[0].code == code
    assert failed.diagnostics[0].file == "compose.yaml"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="does not exist"):
        import_compose([tmp_path / "compose.yaml"], environ={})
