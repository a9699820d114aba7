"""shipspec's own YAML reader builds exactly what PyYAML's constructor builds.

:func:`shipspec.ownyaml.load_own_yaml` turns libyaml's node tree into values itself (the
fast path) and leaves anything unusual to PyYAML; either way the result, or the error,
must be the one ``yaml.load`` with the same loader gives, since stack config
fingerprints in every manifest are computed from it.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shipspec.ownyaml import _Loader, load_own_yaml


def _reference(text: str) -> tuple[str, Any]:
    try:
        return "value", yaml.load(text, Loader=_Loader)
    except Exception as error:
        return "error", type(error).__name__


def _ours(text: str) -> tuple[str, Any]:
    try:
        return "value", load_own_yaml(text)
    except Exception as error:
        return "error", type(error).__name__


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (NaN equal to NaN, True not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


CASES = [
    "",
    "# only a comment\n",
    "a: 1",
    "a: [1, -2, +3, 2.5, .5, 1e3, .inf, -.inf, .nan, 0x1f, 0o17, '1', x, '', \"q\"]",
    "a: [true, True, TRUE, false, null, Null, ~, yes, no, on, off, y, n]",
    "a: 2001-12-14\nb: 1_000\nc: 1:20\nd: 0b101\ne: 017",
    "config:\n  app:key: {secure: v1:abc}\n  app:other: [1, {a: b}]\nencryptionsalt: x\n",
    "a: 1\na: 2\nb: 3\n",
    "b: 1\na: 2\n",
    "<<: {a: 1}\nb: 2\n",
    "a: &x {b: 1}\nc: *x\n",
    "a: &x [1]\nb: *x\n",
    "a: &s text\nb: *s\n",
    "!!set {a, b}",
    "a: !!binary aGVsbG8=",
    "a: !!timestamp 2001-12-14",
    "a: !!str 12",
    "a: !!int '12'",
    "a: !!float '1'",
    "a: !custom x",
    "- !custom x",
    "? [a]\n: 1\n",
    "? {a: 1}\n: 2\n",
    "a: b\n---\nc: d\n",
    "a: [",
    "a: '",
    "a: |\n  line one\n  line two\n",
    "- - - deep\n",
    "a: 9" + "9" * 5000,
]


@pytest.mark.parametrize("text", CASES)
def test_same_value_or_error_as_pyyaml(text: str) -> None:
    expected, got = _reference(text), _ours(text)
    assert expected[0] == got[0], (expected, got)
    assert _same(expected[1], got[1]), (expected, got)


def test_an_alias_keeps_pyyamls_shared_value() -> None:
    data = load_own_yaml("a: &x {b: 1}\nc: *x\n")
    assert data["a"] is data["c"]


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=_values, flow=st.booleans())
def test_dumped_values_read_back_as_pyyaml_reads_them(value: Any, flow: bool) -> None:
    text = yaml.safe_dump({"config": value}, default_flow_style=flow, allow_unicode=True)
    expected, got = _reference(text), _ours(text)
    assert expected[0] == got[0]
    assert _same(expected[1], got[1])


def test_the_garbage_collector_is_left_as_it_was() -> None:
    assert gc.isenabled()
    load_own_yaml("a: [1, 2]")
    assert gc.isenabled()
    with pytest.raises(yaml.YAMLError):
        load_own_yaml("a: [")
    assert gc.isenabled()
    gc.disable()
    try:
        load_own_yaml("a: 1")
        assert not gc.isenabled()
    finally:
        gc.enable()
