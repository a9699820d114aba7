"""The render engine's JSON writers give exactly ``json.dumps``' text: they exist for speed
(a 200-service stack config and dashboard), and a generated file must not change."""

from __future__ import annotations

import enum
import json
import random
from typing import Any

import pytest

from shipspec.render.engine import json_indented, json_sorted, json_text, wrap_comment


class Level(enum.IntEnum):
    HIGH = 3


class Name(enum.StrEnum):
    CAFE = "café"


SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -5,
    10**20,
    1.5,
    -0.0,
    1e300,
    float("nan"),
    float("inf"),
    -float("inf"),
    Level.HIGH,
    Name.CAFE,
    "",
    "plain",
    'a"b\\\n\t é \u2028 \ud800 \U0001f600',
]


def _value(rnd: random.Random, depth: int = 0) -> Any:
    roll = rnd.random()
    if depth > 4 or roll < 0.4:
        return rnd.choice(SCALARS)
    if roll < 0.7:
        items = [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
        return tuple(items) if rnd.random() < 0.2 else items
    keys = [rnd.choice(["b", "a", "é", "k\n", "z"]) for _ in range(rnd.randint(0, 4))]
    return {key: _value(rnd, depth + 1) for key in keys}


VALUES = [_value(random.Random(seed)) for seed in range(400)]


@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_indented_is_json_dumps_with_indent_2(sort_keys: bool, ensure_ascii: bool) -> None:
    for value in [*VALUES, *SCALARS, {}, [], {"a": {}, "b": []}]:
        expected = json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
        assert json_indented(value, sort_keys=sort_keys, ensure_ascii=ensure_ascii) == expected


def test_json_indented_writes_non_string_keys_as_json_does() -> None:
    value = {1: "a", 2.5: [], False: {}, None: None, Level.HIGH: 1}
    assert json_indented(value) == json.dumps(value, indent=2)


@pytest.mark.parametrize("value", [{(1, 2): 3}, [object()], {"a": {1, 2}}])
def test_json_indented_refuses_what_json_refuses(value: Any) -> None:
    with pytest.raises(TypeError) as expected:
        json.dumps(value, indent=2)
    with pytest.raises(TypeError) as got:
        json_indented(value)
    assert str(got.value) == str(expected.value)


def test_json_text_and_the_json_filter_are_json_dumps() -> None:
    for value in [*VALUES, *SCALARS]:
        assert json_text(value) == json.dumps(value)
        assert json_sorted(value) == json.dumps(value, sort_keys=True)


def test_wrap_comment_flattens_what_it_is_given_each_time() -> None:
    # Cached by the text as given: the same reason twice, and a non-string, wrap alike.
    reason = "one\nreason  that wraps " + "word " * 30
    assert wrap_comment(reason, 40) == wrap_comment(reason, 40)
    assert all(len(line) <= 40 for line in wrap_comment(reason, 40).splitlines())
    assert wrap_comment(7) == "# 7"
