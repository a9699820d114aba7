"""The handoff's step 1 and the pipeline's header say the same about GitLab's protected
environments, and the handoff documents every variable a merge-request preview reads, in
the scope the preview's environment gets.

GitLab runs a job bound to a protected environment, ``action: prepare`` included, only for
the users allowed to deploy there (gitlab-org/gitlab#300784). So the environments a deploy
is gated by (production's, and every one whose deploy needs approval) are protected, and a
non-production stack's previews are bound to their own ``<env>/preview``, never protected.
"""

from __future__ import annotations

import re

import pytest

import shipspec
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES

HANDOFF = "docs/operations/handoff.md"
SPECS = EXAMPLES.parent / "tests" / "docs" / "specs"

# The webapp example (dev, approval on prod), and a spec with a non-production stack
# behind an approval too (preproduction-mirror); with and without Pulumi Cloud.
CASES = {
    "webapp": (EXAMPLES / "webapp.yaml", {}),
    "settlement": (SPECS / "settlement-review.yaml", {}),
    "settlement-cloud": (
        SPECS / "settlement-review.yaml",
        {"  state: s3://meridian-clearing-pulumi-state/stacks\n": ""},
    ),
}


def rendered(case: str) -> tuple[shipspec.DeploymentModel, dict[str, str]]:
    path, edits = CASES[case]
    spec = path.read_text()
    for old, new in edits.items():
        assert old in spec
        spec = spec.replace(old, new)
    model = shipspec.plan(shipspec.loads(spec))
    return model, dict(render(model))


def step(handoff: str, number: int) -> str:
    """A numbered setup step of the GitLab handoff, up to the next one."""
    start = handoff.index(f"\n{number}. **")
    return handoff[start : handoff.index(f"\n{number + 1}. **", start)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_step_one_and_the_pipeline_header_name_the_same_environments(case: str) -> None:
    model, files = rendered(case)
    assert model.ci == "gitlab"
    gated = {e.name for e in model.environments if e.production or e.approval_required}
    previews = {f"{e.name}/preview" for e in model.environments if not e.production}
    protect = step(files[HANDOFF], 1)
    assert set(re.findall(r"- `([^`]+)`: protect it", protect)) == gated
    never = re.search(r"Never protect ([^:]+):", protect)
    assert never and set(re.findall(r"`([^`]+)`", never.group(1))) == previews
    header = files[".gitlab-ci.yml"].split("\nworkflow:")[0]
    assert set(re.findall(r'^# - "([^"]+)": protect it', header, flags=re.M)) == gated
    assert set(re.findall(r'^# - "([^"]+)": never protect it', header, flags=re.M)) == previews
    # Every gated deploy checks its environment's protection, as both say.
    checks = re.search(r"\n   (`deploy:[^\n]+) checks? that the branch", protect)
    assert checks and set(re.findall(r"`deploy:([^`]+)`", checks.group(1))) == gated
    for name in gated:
        assert f"deploy:{name} refuses to run unless" in header


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_variable_a_preview_reads_is_documented_in_its_scope(case: str) -> None:
    model, files = rendered(case)
    pipeline = files[".gitlab-ci.yml"]
    setup = [step(files[HANDOFF], n) for n in (1, 2, 3)]
    for env in (e for e in model.environments if not e.production):
        job = pipeline.split(f"\npreview:{env.name}:\n")[1].split("\n\n")[0]
        read = set(re.findall(r"\$\{(\w+):\?set the CI/CD variable", job))
        assert read, env.name
        assert re.search(rf"\n    name: {re.escape(env.name)}/preview\n", job)
        for variable in read:
            scopes = re.findall(rf"CI/CD variable {variable}\b[^\n]*?scoped to ([^,)\s]+)", job)
            assert scopes == [f"{env.name}/preview"], (variable, scopes)
            # The handoff's step that sets the variable names that scope.
            steps = [s for s in setup if f"`{variable}`" in s]
            assert steps, variable
            assert any(f"`{env.name}/preview`" in s for s in steps), (case, variable)
