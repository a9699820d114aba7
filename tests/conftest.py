"""Shared fixtures: the examples, planned once per session."""

from __future__ import annotations

import fcntl
import os
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing), held across processes."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class GeneratedExamples:
    """Each example generated once per test run, and each stack previewed at most once.

    Under pytest-xdist the workers share ``root``: one worker generates an example while
    the others wait on its lock, and a stack one worker previewed reaches the others from
    shipspec's own preview cache (keyed by the program's content), so no worker runs a
    preview another has run.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._previews: dict[tuple[str, str], object] = {}

    def out_dir(self, name: str) -> Path:
        out = self.root / name
        done = self.root / f"{name}.generated"
        if done.exists():
            return out
        with _locked(self.root / f"{name}.lock"):
            if not done.exists():
                model = shipspec.plan(
                    shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file="handoff.yaml"
                )
                shipspec.generate(model, out)
                done.touch()
        return out

    def model(self, name: str) -> shipspec.DeploymentModel:
        from shipspec.model_io import read_model

        return read_model(self.out_dir(name))

    def preview(self, name: str, env: str):  # type: ignore[no-untyped-def]
        key = (name, env)
        if key not in self._previews:
            from shipspec.preview.service import run_preview

            out = self.out_dir(name)
            with _locked(self.root / f"{name}-{env}.preview.lock"):
                self._previews[key] = run_preview(out, env, remember=False)
        return self._previews[key]

    def stacks(self) -> list[tuple[str, str]]:
        return [(n, e.name) for n in example_names() for e in self.model(n).environments]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedExamples:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Every worker's base folder sits in the run's one folder: share the examples there.
        root = tmp_path_factory.getbasetemp().parent / "examples"
        root.mkdir(exist_ok=True)
        return GeneratedExamples(root)
    return GeneratedExamples(tmp_path_factory.mktemp("examples"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 for the whole run: the only AWS the tests talk to."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Credentials moto accepts, a fresh moto state, nothing from this machine's AWS config."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    return moto_server
