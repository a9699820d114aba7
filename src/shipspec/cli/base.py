"""The typer application, its shared options, and how errors become exit codes.

Exit codes: 0 ok, 1 invalid input, refused write or a file the system refused (an
``OSError`` naming a file), 2 usage, 3 stale output or an interrupted write
(``generate --check``), 4 policy violations (``check``). Any other exception is a bug
and is reported as one (70), with a traceback only under ``SHIPSPEC_DEBUG=1``.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.main import get_command_name
from typer.models import CommandInfo, TyperInfo

from .. import __version__
from ..errors import ShipspecError

app = typer.Typer(
    name="shipspec",
    help="Turn a development handoff spec into a reviewable AWS deployment.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])
SpecArg = Annotated[
    Path, typer.Argument(help="The handoff spec (handoff.yaml).", show_default=False)
]
EnvOpt = Annotated[
    str | None,
    typer.Option("--env", "-e", help="One environment (default: all, or production for preview)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def reports_errors(command: F) -> F:
    """Turn shipspec's errors into a message and an exit code; anything else is a bug."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ShipspecError as error:
            err(str(error))
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except OSError as error:
            if error.filename is None or os.environ.get("SHIPSPEC_DEBUG"):
                raise _as_bug(error) from None
            # The file system refused a named file (read-only, full, no permission, immutable):
            # the environment's doing, not a bug, and the user can act on it.
            err(
                f"{error.filename}: {error.strerror or type(error).__name__}\n"
                "  hint: check that the path exists and that you may read and write it, "
                "and that its file system has space"
            )
            raise typer.Exit(1) from None
        except Exception as error:
            raise _as_bug(error) from None

    return run  # type: ignore[return-value]


def _as_bug(error: Exception) -> typer.Exit:
    """Report an unexpected exception as a bug (exit 70); re-raise it under SHIPSPEC_DEBUG=1."""
    if os.environ.get("SHIPSPEC_DEBUG"):
        raise error
    err(
        f"internal error: {type(error).__name__}: {error}\n"
        "This is a bug in shipspec: rerun with SHIPSPEC_DEBUG=1 for a traceback, report it."
    )
    return typer.Exit(70)


def err(text: str) -> None:
    """Messages for people go to stderr, so stdout stays parseable (--json, --sarif)."""
    print(text, file=sys.stderr)


def _version(value: bool) -> None:
    if value:
        print(f"shipspec {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn a development handoff spec into a reviewable AWS deployment."""


def record_step(command: str, subject: Path, summary: str, environment: str | None = None) -> None:
    """Give a started deployment session this command's evidence; never fails the command."""
    from ..session import record_success

    for item in record_success(command, subject, summary, environment=environment):
        err(f"session: recorded {item}")


def spec_path_from(spec: Path, out_dir: Path) -> str:
    """The spec's path as seen from the output folder: what generated files call it."""
    return Path(os.path.relpath(spec.resolve(), out_dir.resolve())).as_posix()


# True only in the `shipspec` process itself (set by main), never for in-process callers.
OWN_PROCESS = False


def main() -> None:
    global OWN_PROCESS
    OWN_PROCESS = True
    # A command is a short process whose objects (models, plan, rendered files) mostly live
    # until it exits: the cyclic collector's default (a pass every 700 allocations, the
    # whole heap every 70,000) rescans them for nothing. Fewer passes, the thresholds
    # mypy's build uses for the same reason; the library leaves the caller's settings alone.
    gc.set_threshold(200_000, 30, 30)
    keep_only_the_invoked_command(sys.argv[1:])
    try:
        app()
    finally:
        # Exiting, the interpreter's last collection would scan every object still alive
        # (a 200-service generate: over a tenth of a second, freeing almost nothing) only
        # to drop them all anyway. Frozen, they are not scanned; the process ends as before:
        # files written and closed, output flushed, exit handlers run.
        gc.freeze()


def keep_only_the_invoked_command(args: list[str]) -> None:
    """Register only the command (or command group) ``args`` name, when they name one.

    typer turns every registered command into a click command before it parses anything,
    reading each one's type hints and building its parameters' converters: a fifth of
    ``shipspec --version``. A command's own parsing and ``--help`` are the same alone;
    with no command, or a name that is none (a typo, for click's "No such command"),
    everything stays registered, so ``shipspec --help`` lists every command.
    The group's own options (``--version``, ``--help``) take no value, so the first
    argument that is no option is the command's name.
    """
    name = next((arg for arg in args if not arg.startswith("-")), None)
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if _group_name(g) == name]
    if name is not None and len(commands) + len(groups) == 1:
        app.registered_commands = commands
        app.registered_groups = groups


def _command_name(info: CommandInfo) -> str | None:
    if isinstance(info.name, str):
        return info.name
    return get_command_name(info.callback.__name__) if info.callback else None


def _group_name(info: TyperInfo) -> str | None:
    for name in (info.name, info.typer_instance.info.name if info.typer_instance else None):
        if isinstance(name, str):
            return name
    return None
