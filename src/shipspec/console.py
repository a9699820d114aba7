"""Human-readable terminal output for the CLI (rich tables); the library never prints."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from .plan.model import DeploymentModel, EnvironmentPlan
    from .preview.result import Preview

# Piped output (CI logs, `make demo`) gets a width that fits resource types unabridged.
console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 140)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def print_plan(model: DeploymentModel, envs: list[EnvironmentPlan]) -> None:
    for env in envs:
        kind = "production" if env.production else "non-production"
        console.print(
            f"[bold]{model.app} / {env.name}[/bold] "
            f"({kind}{', approval required' if env.approval_required else ''})"
        )
        summary = Table(show_edge=False, pad_edge=False)
        for column in ("service", "kind", "size", "tasks", "strategy", "routing"):
            summary.add_column(column)
        for s in env.services:
            tasks = "scheduled" if s.kind == "job" else f"{s.min_count}-{s.max_count}"
            routing = (
                f"{s.load_balancer} {' '.join(s.path_patterns)}"
                if s.load_balancer
                else (s.schedule or "-")
            )
            summary.add_row(
                s.name,
                s.kind,
                f"{s.cpu / 1024:g} vCPU / {s.memory} MiB",
                tasks,
                s.deployment.strategy.lower(),
                routing,
            )
        console.print(summary)
        decisions = Table(show_edge=False, pad_edge=False, show_lines=False)
        decisions.add_column("decision")
        decisions.add_column("value")
        decisions.add_column("why", overflow="fold")
        for d in env.decisions:
            decisions.add_row(d.key, _value(d.value), d.reason)
        console.print(decisions)
        console.print()


def print_preview(preview: Preview) -> None:
    marks = {
        "create": "[green]+[/green]",
        "import": "[cyan]=[/cyan]",
        "update": "[yellow]~[/yellow]",
        "delete": "[red]-[/red]",
        "same": " ",
    }
    console.print(
        f"[bold]Previewing {preview.project} / {preview.environment}[/bold] "
        "(offline, under Pulumi mocks)"
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("")
    table.add_column("type")
    table.add_column("name")
    for row in preview.tree_rows():
        table.add_row(marks[row.change], row.type, "  " * row.depth + row.name)
    console.print(table)
    for line in preview.summary_lines():
        console.print(line)


class PreviewProgress:
    """A live "resources registered so far" line per environment, on a terminal only.

    Shown on stderr once a preview has run for :data:`DELAY` seconds (a quick one stays
    silent), never when stdout or stderr is not a terminal (piped, redirected, CI) or
    when stdout is machine-readable (``enabled=False`` for ``--json``/``--sarif``).
    ``update`` is called from worker threads; the display refreshes on its own thread
    and disappears when done.
    """

    DELAY = 1.0

    def __init__(self, enabled: bool) -> None:
        import threading
        import time

        self._errors = Console(stderr=True, highlight=False)
        # Both streams on a terminal: piped or redirected output gets no display.
        self.enabled = enabled and self._errors.is_terminal and Console().is_terminal
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._clock = time.monotonic
        self._live: Any = None

    def __enter__(self) -> PreviewProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
            self.enabled = False

    def update(self, environment: str, count: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._counts[environment] = count
            if self._live is None and self._clock() - self._started >= self.DELAY:
                from rich.live import Live

                self._live = Live(
                    get_renderable=self._render,
                    console=self._errors,
                    transient=True,
                    refresh_per_second=8,
                )
                self._live.start()

    def _render(self) -> Any:
        from rich.text import Text

        counts = dict(self._counts)
        return Text(
            "\n".join(
                f"previewing {env}: {count} resources registered"
                for env, count in sorted(counts.items())
            )
        )


def print_secrets(env: str, states: list[Any]) -> None:
    """``secrets list``: each secret's state, coloured on a terminal; never a value."""
    table = Table(show_edge=False, pad_edge=False, title=f"secrets in {env}", title_justify="left")
    for column in ("secret", "state", "used by"):
        table.add_column(column)
    colour = {"set": "green", "empty": "red", "missing": "red"}
    for s in states:
        table.add_row(s.name, f"[{colour[s.state]}]{s.state}[/]", ", ".join(s.used_by))
    console.print(table)
    empty = [s.name for s in states if s.state != "set"]
    if empty:
        console.print(
            f"[red]{len(empty)} without a value[/]: set each with "
            f"`shipspec secrets set NAME --env {env} < file`"
        )


def print_status(status: Any) -> None:
    """``status``: services, firing alarms and health URLs, then the verdict."""
    kind = "production" if status.production else "non-production"
    console.print(f"[bold]{status.env}[/bold] ({kind})")
    if status.services:
        table = Table(show_edge=False, pad_edge=False)
        for column in ("service", "running/desired", "deployment", "image"):
            table.add_column(column)
        for s in status.services:
            mark = "green" if s.ok else "red"
            deployment = s.in_progress.describe() if s.in_progress else s.deployment
            table.add_row(
                f"[{mark}]{s.name}[/]", f"{s.running}/{s.desired}", deployment, s.image or "-"
            )
        console.print(table)
    for a in status.alarms:
        console.print(f"[red]ALARM[/] {a.name} ({a.kind}): {a.reason}")
    for u in status.urls:
        console.print(f"[{'green' if u.ok else 'red'}]{u.answer}[/] {u.url}")
    if status.verified:
        console.print("[green]verified[/]: every service as deployed, no alarm, URLs healthy")
    else:
        console.print("[red]not verified[/]: " + "; ".join(status.problems()))
