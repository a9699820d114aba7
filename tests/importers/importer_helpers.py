"""Helpers shared by the importer tests: the fixture folder and the report's bins."""

from __future__ import annotations

from pathlib import Path

from shipspec.importers import ImportResult, import_compose

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str, *files: str, **options: object) -> ImportResult:
    """Import a fixture folder's compose.yaml (plus ``files``) with an empty environment."""
    paths = [FIXTURES / name / "compose.yaml", *(FIXTURES / name / f for f in files)]
    options.setdefault("environ", {})
    return import_compose(paths, **options)  # type: ignore[arg-type]


def findings(result: ImportResult, which: str, service: str) -> dict[str, str]:
    """``key → message`` of one bin for one service."""
    return {f.key: f.message for f in result.report.binned(which) if f.service == service}  # type: ignore[arg-type]
