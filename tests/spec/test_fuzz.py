"""Property: any input ends in a planned DeploymentModel or in a SpecError of clean diagnostics.

Two generators: YAML-ish documents built from the spec's own vocabulary (so they reach
deep into validation rather than failing at the top), and small mutations of the valid
examples (a key deleted, a value's type changed, an unknown key inserted, two values
swapped, a value replaced by arbitrary unicode). Neither may produce any other exception.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.spec.models import HandoffSpec
from shipspec.spec.yamlsource import read_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _vocabulary(model: type[BaseModel], seen: set[str]) -> None:
    for name, info in model.model_fields.items():
        seen.add(info.alias or name)
        for arg in _flatten(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                if arg.__name__ not in seen:
                    seen.add(arg.__name__)
                    _vocabulary(arg, seen)
            elif isinstance(arg, str):
                seen.add(arg)


def _flatten(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    return [leaf for arg in args for leaf in _flatten(arg)]


WORDS: set[str] = set()
_vocabulary(HandoffSpec, WORDS)
WORDS -= {m.__name__ for m in (HandoffSpec,)}
WORDS |= {"web", "db", "cache", "prod", "dev", "shipspec/v1", "Handoff", "eu-west-1"}
VOCABULARY = sorted(WORDS)

keys = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=12), st.integers(-5, 99999))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(VOCABULARY),
    st.sampled_from(["512MiB", "1.5GiB", "cron(0 3 * * ? *)", "rate(1 hour)", "0 3 * * *", "/"]),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def dump(data: Any, style: str) -> str:
    if style == "json":
        return json.dumps(data, allow_nan=True, default=str)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = style == "flow"
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def check(text: str | bytes) -> HandoffSpec | None:
    """The property: a model, or a SpecError whose diagnostics are all usable."""
    try:
        spec = shipspec.loads(text, "fuzz.yaml")
    except SpecError as error:
        assert error.diagnostics, "a SpecError without diagnostics"
        for problem in error.diagnostics:
            assert problem.file == "fuzz.yaml"
            assert problem.path or problem.message
            assert problem.message and problem.hint, problem
            assert problem.line >= 0 and problem.column >= 0
        str(error)  # renders
        return None
    assert isinstance(plan(spec), DeploymentModel)
    return spec


@SETTINGS
@given(document=documents, style=st.sampled_from(["json", "block", "flow"]))
def test_random_documents(document: Any, style: str) -> None:
    check(dump(document, style))


@SETTINGS
@given(text=st.text(max_size=300) | st.binary(max_size=300))
def test_random_text_and_bytes(text: str | bytes) -> None:
    check(text)


def _example(name: str) -> dict[str, Any]:
    return read_yaml((EXAMPLES / f"{name}.yaml").read_bytes(), name).data  # type: ignore[no-any-return]


EXAMPLE_DATA = {p.stem: _example(p.stem) for p in sorted(EXAMPLES.glob("*.yaml"))}


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _delete(data: Any, path: tuple[Any, ...]) -> None:
    del _get(data, path[:-1])[path[-1]]


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    data = json.loads(json.dumps(EXAMPLE_DATA[draw(st.sampled_from(sorted(EXAMPLE_DATA)))]))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["delete", "retype", "insert", "swap", "unicode"]))
        if action == "delete":
            _delete(data, path)
        elif action == "retype":
            _set(data, path, draw(documents))
        elif action == "insert":
            target = _get(data, path)
            if isinstance(target, dict):
                target[draw(keys)] = draw(scalars)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(scalars))
            else:
                _set(data, path, {draw(st.sampled_from(VOCABULARY)): target})
        elif action == "swap":
            other = draw(st.sampled_from(paths))
            first, second = _get(data, path), _get(data, other)
            if path[: len(other)] != other and other[: len(path)] != path:
                _set(data, path, second)
                _set(data, other, first)
        else:
            _set(data, path, draw(st.text(min_size=1, max_size=20)))
    return data


@SETTINGS
@given(data=mutated_examples(), style=st.sampled_from(["json", "block", "flow"]))
def test_mutated_examples(data: dict[str, Any], style: str) -> None:
    check(dump(data, style))


def test_the_unmutated_examples_pass_the_property() -> None:
    for name, data in EXAMPLE_DATA.items():
        for style in ("json", "block", "flow"):
            assert check(dump(data, style)) is not None, name
