"""Compose's small languages: ports, volumes, durations, sizes, .env files, interpolation, merge."""

from __future__ import annotations

import pytest

from shipspec.importers import ImportFailed
from shipspec.importers.envfile import parse_env_file
from shipspec.importers.interpolate import Environment, Interpolator
from shipspec.importers.merge import merge, normalise_service
from shipspec.importers.sources import Override, Reset, Where
from shipspec.importers.syntax import duration_seconds, memory_mib, parse_port, parse_volume


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (8080, (8080, 8080, None, None, "tcp")),
        ("3000", (3000, 3000, None, None, "tcp")),
        ("8080:80", (80, 80, "8080", None, "tcp")),
        ("127.0.0.1:8080:80/udp", (80, 80, "8080", "127.0.0.1", "udp")),
        ("[::1]:8080:80", (80, 80, "8080", "::1", "tcp")),
        ("3000-3005:3000-3005", (3000, 3005, "3000-3005", None, "tcp")),
        ("127.0.0.1::5000", (5000, 5000, None, "127.0.0.1", "tcp")),
        ({"target": 80, "published": "8080", "protocol": "udp"}, (80, 80, "8080", None, "udp")),
        ({"target": "443", "host_ip": "0.0.0.0"}, (443, 443, None, "0.0.0.0", "tcp")),
    ],
)
def test_ports_in_short_and_long_syntax(raw: object, expected: tuple[object, ...]) -> None:
    spec = parse_port(raw)
    assert spec is not None
    assert (spec.target, spec.target_end, spec.published, spec.host_ip, spec.protocol) == expected


@pytest.mark.parametrize("raw", ["http", "80:80:80:80", "70000", "80/icmp", True, None, {"x": 1}])
def test_unreadable_ports(raw: object) -> None:
    assert parse_port(raw) is None


def test_publication_scope() -> None:
    assert parse_port("80:80").on_all_interfaces  # type: ignore[union-attr]
    assert parse_port("80").on_all_interfaces  # type: ignore[union-attr]  # random host port
    assert not parse_port("127.0.0.1:80:80").on_all_interfaces  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "kind", "source", "target"),
    [
        ("./src:/app:ro", "bind", "./src", "/app"),
        (
            "/var/run/docker.sock:/var/run/docker.sock",
            "bind",
            "/var/run/docker.sock",
            "/var/run/docker.sock",
        ),
        ("data:/var/lib/data", "volume", "data", "/var/lib/data"),
        ("/app/node_modules", "anonymous", "", "/app/node_modules"),
        ({"type": "tmpfs", "target": "/tmp"}, "tmpfs", "", "/tmp"),
        ({"type": "bind", "source": "./conf", "target": "/etc/x"}, "bind", "./conf", "/etc/x"),
    ],
)
def test_volumes(raw: object, kind: str, source: str, target: str) -> None:
    spec = parse_volume(raw)
    assert spec is not None and (spec.kind, spec.source, spec.target) == (kind, source, target)


def test_durations_and_sizes() -> None:
    assert duration_seconds("1m30s") == 90 and duration_seconds("500ms") == 0.5
    assert duration_seconds("soon") is None and duration_seconds("10s later") is None
    assert memory_mib("512M") == 512 and memory_mib("1g") == 1024 and memory_mib("1.5GB") == 1536
    assert memory_mib(1073741824) == 1024 and memory_mib("lots") is None


def expand(text: str, **variables: str) -> str:
    return Interpolator(Environment({}, variables)).text(text, Where("c.yml", 3, 5, "k"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${SET}", "v"),
        ("$SET/$SET", "v/v"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${UNSET-d}", "d"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("$$SET and $${SET}", "$SET and ${SET}"),
        ("${UNSET:-${SET:-x}}", "v"),
        ("${SET:-${NEEDED:?never evaluated}}", "v"),
        ("cost: $5 or $", "cost: $5 or $"),
    ],
)
def test_interpolation(text: str, expected: str) -> None:
    assert expand(text, SET="v", EMPTY="") == expected


@pytest.mark.parametrize(
    "text", ["${UNSET:?boom}", "${EMPTY:?boom}", "${UNSET?boom}", "${SET/a/b}", "${unterminated"]
)
def test_interpolation_errors_are_located(text: str) -> None:
    with pytest.raises(ImportFailed) as failed:
        expand(text, SET="v", EMPTY="")
    assert (failed.value.diagnostics[0].line, failed.value.diagnostics[0].path) == (3, "k")


def test_interpolation_output_is_capped() -> None:
    engine = Interpolator(Environment({}, {"BIG": "x" * 1_000_000}))
    with pytest.raises(ImportFailed, match="expand to more than"):
        for _ in range(10):
            engine.text("$BIG", Where("c.yml"))


def test_env_files() -> None:
    text = (
        "# comment\nexport A=1\nB = two words # comment\nC='single $A'\nD=\"line\\nbreak $A\"\n"
        'E="multi\nline"\nF\nG=${A}-x\n'
    )

    def lookup(value: str, where: Where, so_far: dict[str, str | None]) -> str:
        known = {k: v for k, v in so_far.items() if v is not None}
        return Interpolator(Environment({}, known)).text(value, where)

    assert parse_env_file(text, ".env", lookup) == {
        "A": "1",
        "B": "two words",
        "C": "single $A",
        "D": "line\nbreak 1",
        "E": "multi\nline",
        "F": None,
        "G": "1-x",
    }
    with pytest.raises(ImportFailed) as failed:
        parse_env_file("A=1\nnot an assignment\n", ".env")
    assert failed.value.diagnostics[0].line == 2


def test_merge_rules() -> None:
    base = {
        "services": {
            "web": normalise_service(
                {
                    "image": "a",
                    "command": ["a", "b"],
                    "ports": ["8080:80", "9000:9000"],
                    "environment": ["A=1", "B=2"],
                    "dns": ["1.1.1.1"],
                    "volumes": ["data:/data"],
                    "labels": {"x": "1"},
                }
            )
        }
    }
    override = {
        "services": {
            "web": normalise_service(
                {
                    "command": ["c"],
                    "ports": ["8080:80", "127.0.0.1:9000:9000"],
                    "environment": {"B": "3", "C": "4"},
                    "dns": ["1.1.1.1", "8.8.8.8"],
                    "volumes": ["other:/data"],
                    "labels": Reset(),
                    "image": Override("b"),
                }
            )
        }
    }
    merge(base, override, (), lambda path: None)
    web = base["services"]["web"]
    assert web["command"] == ["c"]
    assert web["ports"] == ["8080:80", "9000:9000", "127.0.0.1:9000:9000"]
    assert web["environment"] == {"A": "1", "B": "3", "C": "4"}
    assert web["dns"] == ["1.1.1.1", "8.8.8.8"]
    assert web["volumes"] == ["other:/data"]  # unique by target
    assert "labels" not in web and web["image"] == "b"
