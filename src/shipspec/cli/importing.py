"""``shipspec import compose`` and ``shipspec analyze``: other artefacts into a handoff spec."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .base import app, err, reports_errors

import_app = typer.Typer(help="Turn other artefacts into a handoff spec.", no_args_is_help=True)
app.add_typer(import_app, name="import")
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
AllowOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incompatible", help="Drop what cannot run on AWS (reported) instead of failing."
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", help="Include compose services of this profile (repeatable)."),
]
PublicOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--public",
        help="A service that faces the internet (repeatable); only these do. Default: the "
        "entry points the import finds.",
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Where to write the handoff spec.")]


@import_app.command("compose")
@reports_errors
def import_compose_command(
    compose_file: Annotated[
        Path, typer.Argument(help="The compose file (docker-compose.yml / compose.yaml).")
    ],
    overrides: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help="Override files, merged in order.")
    ] = None,
    env_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--env-file", help="Interpolation variables (default: .env beside the compose file)."
        ),
    ] = None,
    profiles: ProfileOpt = None,
    allow_incompatible: AllowOpt = False,
    public: PublicOpt = None,
    out: OutOpt = Path("handoff.yaml"),
    force: ForceOpt = False,
) -> None:
    """Import docker-compose files into a commented handoff.yaml, reporting what was mapped."""
    from ..importers import import_compose

    _write_import(
        lambda: import_compose(
            [compose_file, *(overrides or [])],
            env_files=env_files or (),
            profiles=profiles or (),
            allow_incompatible=allow_incompatible,
            output=out,
            public=public or (),
        ),
        out,
        force,
    )


@app.command()
@reports_errors
def analyze(
    repository: Annotated[Path, typer.Argument(help="The repository folder to analyse.")] = Path(
        "."
    ),
    profiles: ProfileOpt = None,
    allow_incompatible: AllowOpt = False,
    public: PublicOpt = None,
    out: OutOpt = Path("handoff.yaml"),
    force: ForceOpt = False,
) -> None:
    """Analyse a repository (compose, Dockerfiles, .env.example, manifests) into a handoff.yaml."""
    from ..importers import analyze_repository

    _write_import(
        lambda: analyze_repository(
            repository,
            allow_incompatible=allow_incompatible,
            profiles=profiles or (),
            output=out,
            public=public or (),
        ),
        out,
        force,
    )


def _write_import(run: Callable[[], Any], out: Path, force: bool) -> None:
    from ..importers import ImportFailed
    from ..starter import write_schema_beside
    from ..write.single import write_user_file

    if out.exists() and not force:
        write_user_file(out, "", force=False)  # raises FileExists before any work is done
    try:
        result = run()
    except ImportFailed as failed:
        if failed.report is not None:
            err(failed.report.text())
        raise
    print(result.report.text())
    write_user_file(out, result.handoff_yaml, force=force)
    schema = write_schema_beside(out)
    if schema is not None:
        print(f"wrote {schema} (editor completion for the spec)")
    print(f"wrote {out}; next: `shipspec plan {out}`")
