"""Hostile and broken input: each is refused with a specific SpecError, quickly, and never
with another exception (a parser traceback, a RecursionError, a MemoryError)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import shipspec
from shipspec.errors import Diagnostic, SpecError
from shipspec.spec.yamlsource import MAX_BYTES, MAX_DEPTH, MAX_ENTRIES

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
    ]
)
# Each level is one more space in: 1,400 levels fit in 1 MiB and overflow the parser's stack.
BLOCK_DEEP = "".join(" " * depth + "a:\n" for depth in range(1_400))

# fmt: off
CASES: list[tuple[str, bytes, str, str]] = [
    # (id, file content, code, message fragment)
    ("empty", b"", "empty", "the file is empty"),
    ("whitespace-only", b"  \n\t\n   \n", "empty", "the file is empty"),
    ("comments-only", b"# nothing here\n", "empty", "the file is empty"),
    ("explicit-null", b"~\n", "empty", "the file is empty"),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary", "binary file"),
    ("nul-after-the-first-page", b"a: 1\n" + b"#" * 10_000 + b"\x00", "binary", "binary file"),
    ("utf-16", "kind: Handoff\n".encode("utf-16"), "encoding", "UTF-16"),
    ("latin-1", b"apiVersion: shipspec/v1\nkind: caf\xe9\n", "encoding", "byte 0xe9"),
    ("control-character", b"kind: Hand\x07off\n", "encoding", "0x07"),
    ("billion-laughs", BILLION_LAUGHS.encode(), "too-many-nodes", "expands to more than"),
    ("over-1-mib", b"a: " + b"x" * MAX_BYTES, "too-large", f"the limit is {MAX_BYTES:,}"),
    ("too-many-entries", b"".join(b"k%d: 1\n" % i for i in range(MAX_ENTRIES + 1)),
     "too-large", "lines and commas"),
    ("too-many-flow-entries", b"a: [" + b"1," * MAX_ENTRIES + b"1]\n", "too-large",
     "lines and commas"),
    ("flow-nesting-10000", b"[" * 10_000 + b"]" * 10_000, "too-deep", "nested more than"),
    ("flow-mapping-nesting", b"{a: " * 5_000 + b"}" * 5_000, "too-deep", "nested more than"),
    ("block-nesting-deep", BLOCK_DEEP.encode(), "too-deep", "nested more than"),
    ("block-nesting-just-too-deep", "".join(" " * d + "a:\n" for d in range(40)).encode(),
     "too-deep", "nested more than"),
    ("dash-nesting", b"- " * 10_000 + b"x\n", "too-deep", "nested more than"),
    ("top-level-list", b"- apiVersion: shipspec/v1\n- kind: Handoff\n", "not-a-mapping",
     "the top level must be a mapping"),
    ("top-level-scalar", b"handoff\n", "not-a-mapping", "the top level must be a mapping"),
    ("top-level-number", b"42\n", "not-a-mapping", "the top level must be a mapping"),
    ("unclosed-bracket", b"services: [web\nkind: Handoff\n", "yaml-syntax", "not valid YAML"),
    ("bad-indentation", b"a: b: c\n", "yaml-syntax", "mapping values are not allowed here"),
    ("tab-indentation", b"services:\n\tweb: {}\n", "yaml-syntax", "'\\t'"),
    ("unclosed-quote", b"kind: 'Handoff\n", "yaml-syntax", "not valid YAML"),
    ("two-documents", b"kind: Handoff\n---\nkind: Handoff\n", "yaml-syntax", "another document"),
    ("undefined-alias", b"kind: *nope\n", "yaml-syntax", "undefined alias"),
    ("huge-integer", b"port: " + b"9" * 5_000 + b"\n", "yaml-syntax", "not valid YAML"),
]
# fmt: on


def refused(load: Callable[[], object]) -> list[Diagnostic]:
    """The diagnostics of a refused load. Runaway parsing is caught by the reader's own
    budgets (expanded values, depth, size), which each case asserts by its code: a test never
    times the machine it runs on."""
    with pytest.raises(SpecError) as caught:
        load()
    return caught.value.diagnostics


@pytest.mark.parametrize(
    ("content", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hostile_content_is_refused(content: bytes, code: str, fragment: str) -> None:
    found = refused(lambda: shipspec.loads(content, "hostile.yaml"))
    [problem] = found
    assert (problem.code, problem.file) == (code, "hostile.yaml")
    assert fragment in problem.message
    assert problem.hint


def test_the_bad_byte_is_located() -> None:
    [problem] = refused(lambda: shipspec.loads(b"kind: Handoff\nowner: caf\xc3(\n"))
    assert (problem.line, problem.column) == (2, 11)
    assert "byte 0xc3" in problem.message


def test_a_syntax_error_is_located() -> None:
    [problem] = refused(lambda: shipspec.loads(b"kind: Handoff\nservices: [web\nother: 1\n"))
    assert problem.line == 3 and problem.column > 0


def test_deep_flow_nesting_is_located_where_it_passes_the_limit() -> None:
    [problem] = refused(lambda: shipspec.loads(b"a: " + b"[" * 100))
    assert (problem.line, problem.column) == (1, 3 + MAX_DEPTH + 1)


def test_nesting_within_the_limit_is_parsed() -> None:
    """The depth limit refuses attacks, not specs: 20 levels reach validation."""
    found = refused(lambda: shipspec.loads(b"a: " + b"[" * 20 + b"]" * 20))
    assert [p.code for p in found if p.path == "a"] == ["unknown-field"]


def test_a_directory_is_not_a_spec(tmp_path: Path) -> None:
    [problem] = refused(lambda: shipspec.load(tmp_path))
    assert (problem.code, problem.file) == ("not-a-file", str(tmp_path))
    assert "folder" in problem.message


def test_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "handoff.yaml"
    [problem] = refused(lambda: shipspec.load(missing))
    assert (problem.code, problem.message) == ("not-found", "no such file")
    assert "shipspec init" in problem.hint


def test_an_endless_file_reads_only_past_the_limit() -> None:
    """`/dev/zero` never ends: the loader reads one byte past the limit and stops."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    [problem] = refused(lambda: shipspec.load("/dev/zero"))
    assert problem.code == "too-large"


def test_a_file_on_disk_is_named_in_its_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(b"- a list\n")
    [problem] = refused(lambda: shipspec.load(path))
    assert problem.file == str(path)
    assert str(path) in str(SpecError([problem]))


def test_yaml_tags_and_odd_keys_are_read_as_plain_values() -> None:
    """Tags construct nothing: `!!python/object` is text, and keys are text."""
    found = refused(
        lambda: shipspec.loads(
            b"kind: !!python/object/apply:os.system [echo]\n"
            b"apiVersion: !custom shipspec/v1\n"
            b"8080: a\ntrue: b\nnull: c\n? {a: 1}\n: d\n"
        )
    )
    paths = {p.path for p in found}
    assert {"8080", "true", "null"} <= paths
    assert any(p.code == "key-type" for p in found)


@pytest.mark.parametrize("content", [b"a: &a [*a]\n", b"a: &a {b: *a}\n"])
def test_an_alias_to_itself_does_not_recurse(content: bytes) -> None:
    found = refused(lambda: shipspec.loads(content))
    assert "a" in {p.path for p in found}


def test_a_mapping_that_merges_itself_is_a_yaml_error() -> None:
    """ruamel raises AttributeError on `{<<: *self}`; the user sees a syntax problem."""
    [problem] = refused(lambda: shipspec.loads(b"a: &a {<<: *a}\n"))
    assert problem.code == "yaml-syntax" and "not valid YAML" in problem.message


@pytest.mark.parametrize(
    ("content", "where"),
    [(b'kind: "\\ud800"\n', (1, 7)), (b'services: {"\\udc00x": {}}\n', (1, 12))],
)
def test_a_lone_surrogate_escape_is_refused_before_it_reaches_a_file(
    content: bytes, where: tuple[int, int]
) -> None:
    """YAML's "\\ud800" is a character no UTF-8 file or terminal can hold."""
    [problem] = refused(lambda: shipspec.loads(content))
    assert (problem.code, (problem.line, problem.column)) == ("encoding", where)
    assert "lone surrogate" in problem.message
    str(problem).encode("utf-8")  # printable
