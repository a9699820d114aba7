"""The ``compose`` fixture: write a compose file (and friends) to a temporary folder, import it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.importers import ImportResult, import_compose


@pytest.fixture
def compose(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``compose(text, extra={path: text}, **options)`` → the import's result."""

    def run(text: str, *, extra: dict[str, str] | None = None, **options: object) -> ImportResult:
        (tmp_path / "compose.yaml").write_text(text)
        for name, content in (extra or {}).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(content)
        options.setdefault("environ", {})
        return import_compose([tmp_path / "compose.yaml"], **options)  # type: ignore[arg-type]

    return run
