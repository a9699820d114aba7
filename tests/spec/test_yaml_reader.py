"""The libyaml-based reader: the same values as YAML 1.2 round-trip reading, and limits
that hold whatever the tag (issue 14: a `!!timestamp` alias bomb, a 400-digit integer,
a duplicate anchor)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import shipspec
from shipspec.errors import SpecError
from shipspec.spec.yamlsource import read_yaml

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "examples").glob("*.yaml"))


def _bomb(tag: str) -> bytes:
    lines = [f"a: &a {tag} [" + ",".join(["2001-12-14"] * 9) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} {tag} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines).encode()


def _plain(value: object) -> object:
    """ruamel's values with timestamps as the text they were written as."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_examples_read_as_the_yaml_1_2_round_trip_reader_reads_them(spec: Path) -> None:
    expected = _plain(YAML(typ="safe", pure=True).load(spec.read_text("utf-8")))
    assert read_yaml(spec.read_bytes(), spec.name).data == expected


def test_plain_scalars_follow_the_yaml_1_2_core_schema() -> None:
    text = (
        "a: yes\nb: on\nc: 0o17\nd: 0x1f\ne: 017\nf: 1.5e3\ng: ~\nh: TRUE\ni: '12'\n"
        "j: !!str 12\nk: !!int '12'\nl: 2024-01-01\nm: .inf\nn: 1_000\n"
    )
    data = read_yaml(text.encode(), "t.yaml").data
    assert data == {
        "a": "yes",
        "b": "on",
        "c": 15,
        "d": 31,
        "e": 17,
        "f": 1500.0,
        "g": None,
        "h": True,
        "i": "12",
        "j": "12",
        "k": 12,
        "l": "2024-01-01",
        "m": float("inf"),
        "n": "1_000",
    }


def test_merge_keys_merge_and_written_keys_win() -> None:
    text = b"base: &base {cpu: 256, memory: 512}\nweb: {<<: *base, memory: 1024}\n"
    doc = read_yaml(text, "t.yaml")
    assert doc.data["web"] == {"cpu": 256, "memory": 1024}
    assert doc.position(("web", "memory")) == (2, 26)


@pytest.mark.parametrize("tag", ["!!timestamp", "!!str", "!!binary", "!custom", ""])
def test_an_alias_bomb_is_refused_whatever_its_tag(tag: str) -> None:
    with pytest.raises(SpecError) as caught:
        read_yaml(_bomb(tag), "bomb.yaml")
    [problem] = caught.value.diagnostics
    assert problem.code == "too-many-nodes" and problem.line > 1


@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 30, "9223372036854775808", "1e400"])
def test_a_huge_number_is_a_located_error(number: str) -> None:
    text = f"apiVersion: shipspec/v1\nkind: Handoff\nservices:\n  web: {{port: {number}}}\n"
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text)
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.column, problem.path) == (4, 15, "services.web.port")
    assert "too large" in problem.message


def test_the_largest_64_bit_integer_is_a_number() -> None:
    assert read_yaml(b"a: 9223372036854775807\n", "t.yaml").data == {"a": 2**63 - 1}


def test_a_duplicate_anchor_is_a_located_problem_not_a_library_warning() -> None:
    text = b"apiVersion: shipspec/v1\nkind: &x Handoff\nmetadata: &x {name: a}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SpecError) as caught:
            shipspec.loads(text)
    [problem] = [p for p in caught.value.diagnostics if p.code == "duplicate-anchor"]
    assert (problem.line, problem.column, problem.path) == (3, 11, "metadata")
    assert "first on line 2" in problem.message


def test_the_cli_says_so_with_exit_1(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shipspec.cli import app

    spec = tmp_path / "handoff.yaml"
    spec.write_text("apiVersion: shipspec/v1\nkind: Handoff\nnumber: " + "9" * 400 + "\n")
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1, result.output
    assert "too large" in result.output


def test_the_spec_is_read_with_libyaml() -> None:
    """The speed of `generate` rests on PyYAML's C parser: an install without it is a bug."""
    import yaml

    from shipspec.spec import yamlsource

    assert yaml.__with_libyaml__
    assert yamlsource._LOADER is yaml.CSafeLoader
