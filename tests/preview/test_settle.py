"""A program's registrations are answered as it runs, not all at its end (preview.settle).

Under mocks the SDK answers nothing until the program's body returns, so a large program
held every pending registration at once: most of a 200-service preview's peak memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.preview import settle
from shipspec.preview.records import run_to_dict
from shipspec.preview.runner import run_stack
from shipspec.preview.service import program_dir, stack_config

ROOT = Path(__file__).resolve().parents[2]

# 250 resources; each one's id, once answered, is counted; the count at the end of the
# body says how many registrations were answered while the body ran.
COUNTING = """\
import pulumi
answered = []
for n in range(250):
    queue = pulumi.CustomResource("test:index:Queue", f"q{n}", {"size": n})
    queue.id.apply(lambda _: answered.append(1))
pulumi.export("answered_during_body", len(answered))
"""

# Resources created inside an apply callback: the loop's own callback, never settled.
NESTED = """\
import pulumi
def make(_):
    for n in range(150):
        pulumi.CustomResource("test:index:Queue", f"inner{n}", {"size": n})
    return 1
first = pulumi.CustomResource("test:index:Queue", "first", {"size": 0})
pulumi.export("made", first.id.apply(make))
"""


def _program(root: Path, body: str) -> Path:
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: settling\nruntime: python\n")
    (root / "__main__.py").write_text(body)
    return root


def test_registrations_are_answered_while_the_body_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settle, "EVERY", 100)
    run = run_stack(_program(tmp_path / "p", COUNTING), project="settling", stack="dev", config={})
    assert len(run.resources) == 250
    # settled after the 100th and the 200th registration; the 200th's apply is made
    # after its constructor returned, so after that settle
    assert run.outputs["answered_during_body"] == 2 * settle.EVERY - 1


def test_without_settling_nothing_is_answered_before_the_body_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's own behaviour under mocks, which the test above would not tell apart
    from a program too small to settle."""
    monkeypatch.setattr(settle, "EVERY", 10**9)
    run = run_stack(_program(tmp_path / "p", COUNTING), project="settling", stack="dev", config={})
    assert run.outputs["answered_during_body"] == 0


def test_resources_made_inside_an_apply_are_all_registered(tmp_path: Path) -> None:
    run = run_stack(_program(tmp_path / "p", NESTED), project="settling", stack="dev", config={})
    assert len(run.resources) == 151
    assert run.outputs["made"] == 1


def test_settling_changes_nothing_a_preview_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop example's production stack (some 400 resources, applies that create
    resources, cross-region providers) records the same run either way."""
    infra = program_dir(ROOT / "stacks" / "shop")
    project, config = stack_config(infra, "prod")

    def recorded() -> dict:
        run = run_to_dict(run_stack(infra, project=project, stack="prod", config=config))
        run.pop("seconds")
        return run

    monkeypatch.setattr(settle, "EVERY", 50)  # settles often in some 400 resources
    settled = recorded()
    monkeypatch.setattr(settle, "EVERY", 10**9)
    assert recorded() == settled


# A registration that waits on a value the program sets only at its end.
LATE = """\
import asyncio
import pulumi
later = asyncio.get_event_loop().create_future()
pulumi.CustomResource("test:index:Queue", "late", {"size": later})
for n in range(250):
    pulumi.CustomResource("test:index:Queue", f"q{n}", {"size": n})
later.set_result(7)
"""


def test_a_registration_waiting_on_the_program_stops_settling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling cannot wait for it (the body that sets it is the one waiting): the first
    settle gives up after WAIT_SECONDS, the rest of the run is the SDK's own."""
    monkeypatch.setattr(settle, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(settle, "EVERY", 100)
    stopped_after: list[bool] = []
    original = settle._settle

    async def watched(run: settle._Run) -> None:
        await original(run)
        stopped_after.append(run.stopped)

    monkeypatch.setattr(settle, "_settle", watched)
    run = run_stack(_program(tmp_path / "p", LATE), project="settling", stack="dev", config={})
    assert stopped_after == [True]  # one settle, at the 100th registration, then none
    late = next(r for r in run.resources if r.name == "late")
    assert late.inputs["size"] == 7
    assert len(run.resources) == 251
    assert run.seconds < 10 * settle.WAIT_SECONDS + 5
