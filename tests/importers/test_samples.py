"""Real public compose files (../shared/compose-samples): each imports or is cleanly refused.

A refusal must be an :class:`ImportFailed` whose every problem is located (file, line,
compose key) and carries a hint; nothing may crash. Where a sample is known to hold
something Fargate cannot run, the test checks that it is named.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from shipspec.importers import ImportFailed, import_compose

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "compose-samples"
FILES = sorted(p for p in SAMPLES.rglob("*.y*ml")) if SAMPLES.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/compose-samples is not here")
KNOWN_INCOMPATIBLE = {
    "awesome-compose/portainer/compose.yaml": "services.portainer.volumes[0]",
    "awesome-compose/wireguard/compose.yaml": "services.wireguard.ports[0]",
    "sock-shop/deploy/docker-compose/compose.yaml": "services.queue-master.volumes[0]",
    "sock-shop/deploy/docker-compose/docker-compose.monitoring.yml": "services.nodeexporter.pid",
    "immich/docker/hwaccel.transcoding.yml": "services.quicksync.devices",
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SAMPLES).as_posix())
@pytest.mark.parametrize("allow", [False, True], ids=["strict", "allow-incompatible"])
def test_sample_imports_or_is_refused_clearly(path: Path, allow: bool, tmp_path: Path) -> None:
    name = path.relative_to(SAMPLES).as_posix()
    try:
        result = import_compose([path], environ={}, allow_incompatible=allow)
    except ImportFailed as failed:
        assert failed.diagnostics
        for problem in failed.diagnostics:
            assert problem.file and problem.line > 0 and problem.path, problem
        if not allow and name in KNOWN_INCOMPATIBLE:
            assert KNOWN_INCOMPATIBLE[name] in {d.path for d in failed.diagnostics}
        return
    assert not (not allow and name in KNOWN_INCOMPATIBLE), f"{name} should be refused"
    (tmp_path / "handoff.yaml").write_text(result.handoff_yaml)
    assert shipspec.load(tmp_path / "handoff.yaml") == result.spec


def test_sock_shop_with_its_override_files_merges(tmp_path: Path) -> None:
    folder = SAMPLES / "sock-shop" / "deploy" / "docker-compose"
    result = import_compose(
        [folder / "compose.yaml", folder / "docker-compose.logging.yml"],
        environ={},
        allow_incompatible=True,
    )
    assert "log-server" in result.spec.services and "kibana" in result.spec.services
    assert result.spec.datastores["carts-db"].engine == "mongodb"
    logging = [f for f in result.report.dropped if f.service == "front-end" and f.key == "logging"]
    assert logging and logging[0].file == "docker-compose.logging.yml"
