"""Shared pieces of the fuzz campaigns: hostile values and one-place mutations.

Integers stay under 10**300: larger ones in the spec are the YAML reader's to refuse
(issue 14's "400-digit integer", fixed with that reader), not these campaigns' subject.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Seeded (derandomize), no example database, no shrinking (it can take minutes): a
# failure prints the case as generated, and every run tries the same cases.
CAMPAIGN = settings(
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

WEIRD_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\n",
            "~",
            "null",
            "yes",
            "0x1F",
            "1e400",
            ".nan",
            "-.inf",
            "*",
            "&a",
            "!!str",
            "{",
            "[",
            "]",
            "}",
            ": ",
            "- ",
            "#",
            "'",
            '"',
            "\\",
            "\x00",
            "\ufeff",
            "\u2028",
            "é",
            "${X}",
            "${X:?no}",
            "$$",
            "<<",
            "---",
            "...",
            "%YAML 1.2",
            "\ud800",
        ]
    ),
    st.text(max_size=12),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=True, allow_infinity=True),
    WEIRD_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(WEIRD_TEXT, st.integers(-5, 5)), inner, max_size=3),
    ),
    max_leaves=8,
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a parsed document (mapping keys and list indexes)."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``document`` with the value at ``path`` replaced (the document itself if path is ())."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {k: (replaced(v, rest, value) if k == head else v) for k, v in document.items()}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(document)]


@st.composite
def byte_mutation(draw: st.DrawFn, raw: bytes) -> bytes:
    """``raw`` with a few bytes inserted, deleted or overwritten at drawn places."""
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.binary(min_size=1, max_size=4) | st.sampled_from(
            [b":", b"\n", b"  ", b"- ", b"{", b"[", b"&a", b"*a", b"!!", b"\xff", b"\t", b"#"]
        ))  # fmt: skip
        how = draw(st.sampled_from(["insert", "delete", "overwrite"]))
        if how == "insert":
            data[at:at] = piece
        elif how == "delete":
            del data[at : at + len(piece)]
        else:
            data[at : at + len(piece)] = piece
    return bytes(data)
