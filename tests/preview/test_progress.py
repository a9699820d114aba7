"""The live progress display: on a terminal after a second, never for piped or --json output."""

from __future__ import annotations

import pytest

from shipspec.console import PreviewProgress


def _started_long_ago(progress: PreviewProgress) -> None:
    progress._started -= PreviewProgress.DELAY + 1


def test_a_terminal_shows_resources_per_environment_after_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: treat both streams as a terminal
    with PreviewProgress(enabled=True) as progress:
        progress.update("prod", 3)
        assert progress._live is None  # under a second: nothing shown yet
        _started_long_ago(progress)
        progress.update("prod", 40)
        progress.update("dev", 12)
        assert progress._live is not None
        assert progress._render().plain.splitlines() == [
            "previewing dev: 12 resources registered",
            "previewing prod: 40 resources registered",
        ]
    assert progress._live is None


@pytest.mark.parametrize("terminal", [True, False])
def test_no_display_for_json_or_piped_output(
    monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    if terminal:
        monkeypatch.setenv("FORCE_COLOR", "1")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        monkeypatch.setenv("TERM", "dumb")
    # On a terminal, --json/--sarif disable it; piped (as under pytest), nothing enables it.
    with PreviewProgress(enabled=not terminal) as progress:
        _started_long_ago(progress)
        progress.update("prod", 40)
        assert not progress.enabled and progress._live is None
