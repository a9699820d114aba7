"""The ``shipspec`` process registers only the command it runs; nothing else changes.

``main`` narrows the typer app to the invoked command before typer builds it (see
:func:`shipspec.cli.base.keep_only_the_invoked_command`); these tests hold it to giving
the same help, the same command list and the same "No such command" as the whole app.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.cli.base import _command_name, _group_name, keep_only_the_invoked_command

NAMES = sorted(
    [str(_command_name(c)) for c in app.registered_commands]
    + [str(_group_name(g)) for g in app.registered_groups]
)


@pytest.fixture
def narrowed(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Narrow the app as ``main`` does; the whole app is registered again afterwards."""
    commands, groups = list(app.registered_commands), list(app.registered_groups)
    monkeypatch.setattr(app, "registered_commands", commands)
    monkeypatch.setattr(app, "registered_groups", groups)

    def narrow(*args: str) -> tuple[int, str]:
        """One ``shipspec`` process: the whole app, narrowed to ``args``' command, run."""
        app.registered_commands, app.registered_groups = list(commands), list(groups)
        keep_only_the_invoked_command(list(args))
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.output

    return narrow


def test_every_command_and_group_is_found_by_name() -> None:
    assert (
        len(set(NAMES)) == len(NAMES) == len(app.registered_commands) + len(app.registered_groups)
    )
    assert {"generate", "exec", "import", "secrets", "session"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_command_alone_has_the_same_help(name: str, narrowed) -> None:  # type: ignore[no-untyped-def]
    whole = CliRunner().invoke(app, [name, "--help"])
    code, output = narrowed(name, "--help")
    assert (code, output) == (whole.exit_code, whole.output)
    assert len(app.registered_commands) + len(app.registered_groups) == 1


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["genrate", "x.yaml"]])
def test_without_a_command_name_everything_stays(args: list[str], narrowed) -> None:  # type: ignore[no-untyped-def]
    whole = CliRunner().invoke(app, args)
    code, output = narrowed(*args)
    assert (code, output) == (whole.exit_code, whole.output)
    assert len(app.registered_commands) + len(app.registered_groups) == len(NAMES)


def test_an_unknown_group_option_is_refused_the_same(narrowed) -> None:  # type: ignore[no-untyped-def]
    whole = CliRunner().invoke(app, ["--bogus", "generate"])
    code, output = narrowed("--bogus", "generate")
    assert code == whole.exit_code == 2
    assert output == whole.output


def test_a_command_alone_still_runs(narrowed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "handoff.yaml"
    code, _ = narrowed("init", str(spec))
    assert code == 0 and spec.exists()
    code, output = narrowed("validate", str(spec))
    assert code == 0, output
