"""Shared fixtures: the examples, planned once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

import shipspec

# Property tests are seeded and untimed: the same cases on every run and every machine, and
# a slow shared CI core never fails a test (speed targets live in bench/, not in tests).
settings.register_profile("shipspec", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("shipspec")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="session")
def shop_model() -> shipspec.DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"), spec_file="handoff.yaml")


class GeneratedExamples:
    """Each example generated once per test session, and each stack previewed at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._previews: dict[tuple[str, str], object] = {}

    def out_dir(self, name: str) -> Path:
        out = self.root / name
        if not (out / "infra" / "__main__.py").exists():
            model = shipspec.plan(
                shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file="handoff.yaml"
            )
            shipspec.generate(model, out)
        return out

    def model(self, name: str) -> shipspec.DeploymentModel:
        from shipspec.model_io import read_model

        return read_model(self.out_dir(name))

    def preview(self, name: str, env: str):  # type: ignore[no-untyped-def]
        key = (name, env)
        if key not in self._previews:
            from shipspec.preview.service import run_preview

            self._previews[key] = run_preview(self.out_dir(name), env, remember=False)
        return self._previews[key]

    def stacks(self) -> list[tuple[str, str]]:
        return [(n, e.name) for n in example_names() for e in self.model(n).environments]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedExamples:
    return GeneratedExamples(tmp_path_factory.mktemp("examples"))
