"""Property tests: mutated compose imports or fails cleanly; emitted text loads back unchanged."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipspec.importers import ImportFailed, import_compose
from shipspec.importers.emit import emit
from shipspec.spec.yamlsource import read_yaml
from tests.importers.importer_helpers import FIXTURES

BASES = [
    {
        "services": {
            "web": {
                "image": "ex/web:1",
                "ports": ["8080:80"],
                "environment": {"DATABASE_URL": "postgres://u:pw@db/app", "LOG": "info"},
                "depends_on": {"db": {"condition": "service_healthy"}},
                "healthcheck": {"test": ["CMD", "curl", "-f", "http://localhost/health"]},
                "deploy": {"replicas": 2, "resources": {"limits": {"cpus": "1", "memory": "2G"}}},
                "secrets": ["token"],
            },
            "worker": {"build": {"context": ".", "dockerfile": "Dockerfile"}, "restart": "always"},
            "db": {"image": "postgres:16", "environment": ["POSTGRES_PASSWORD=pw"]},
            "cache": {"image": "redis:7.0"},
        },
        "secrets": {"token": {"file": "token.txt"}},
    },
    {"services": {"a": {"image": "x", "expose": [3000], "profiles": ["p"]}, "b": {"image": "y"}}},
]
KEYS = ["image", "build", "ports", "expose", "environment", "env_file", "secrets", "depends_on",
        "deploy", "healthcheck", "volumes", "network_mode", "privileged", "cap_add", "user",
        "restart", "profiles", "extends", "command", "labels", "devices", "scale", "cpus",
        "mem_limit", "x-note", "services", "name", "version", "include"]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(
        [
            "",
            "0",
            "host",
            "no",
            "80:80/udp",
            "${X:-1}",
            "$$",
            "${Y:?bad}",
            "/var/run/docker.sock:/s",
        ]
    ),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        candidates = paths(document)[1:]
        if not candidates:
            break
        where = draw(st.sampled_from(candidates))
        parent = document
        for part in where[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            parent.pop(where[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(values)
        else:
            parent[where[-1]] = draw(values)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.booleans())
def test_mutated_compose_imports_or_fails_cleanly(document: Any, allow: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "compose.yaml"
        path.write_text(json.dumps(document))  # JSON is YAML
        (Path(folder) / "token.txt").write_text("t")
        try:
            result = import_compose([path], environ={"X": "1"}, allow_incompatible=allow)
        except ImportFailed as failed:
            assert failed.diagnostics and all(d.message for d in failed.diagnostics)
            return
        assert result.spec.services  # validated by loading the written text


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1, max_size=20))
def test_emitted_strings_load_back_unchanged(value: str, note: str) -> None:
    text = emit({"env": {"K": value}, "n": 1}, notes={("env",): [note]}, header=[note])
    assert read_yaml(text.encode(), "h.yaml").data == {"env": {"K": value}, "n": 1}


def test_fixtures_are_present() -> None:
    assert (FIXTURES / "merge-keys" / "compose.yaml").is_file()
