"""Where shipspec's blocks go in the progress file, and how the file is put back together.

Lines outside the blocks are copied through untouched (only a missing final newline is
added, when a block must follow the last line). Blocks that do not exist yet are placed
beside their siblings: a new session after the last one, the audit trail before the
record, and, in a file people started, everything appended under a ``## Deployment``
heading.
"""

from __future__ import annotations

from dataclasses import dataclass

INTRO = [
    "# Framework progress",
    "",
    "The shared record between the framework's phases. shipspec rewrites only the blocks",
    "between `shipspec:begin` and `shipspec:end` markers; write your notes anywhere else.",
]
Segment = tuple[str, str]


@dataclass
class Block:
    name: str
    begin: int  # index of the begin marker line
    end: int  # index of the end marker line


# ("raw", line) | ("new", text) | ("block", name)


def assemble(
    lines: list[str], blocks: dict[str, Block], bodies: dict[str, list[str]], nl: str
) -> list[str]:
    """The file's lines with every block in ``bodies`` rendered (and inserted if missing)."""
    segments: list[Segment] = []
    index = 0
    starts = {b.begin: b for b in blocks.values()}
    while index < len(lines):
        if index in starts:
            segments.append(("block", starts[index].name))
            index = starts[index].end + 1
        else:
            segments.append(("raw", lines[index]))
            index += 1
    missing = [name for name in bodies if name not in blocks]
    if missing and not blocks:
        segments += _layout(missing, fresh=not lines)
    else:
        for name in missing:
            _insert(segments, name)
    out = []
    for i, (kind, value) in enumerate(segments):
        if kind == "raw":
            needs_end = i + 1 < len(segments) and not value.endswith(("\n", "\r"))
            out.append(value + nl if needs_end else value)
        elif kind == "new":
            out.append(value + nl)
        else:
            block = blocks.get(value)
            out.append(lines[block.begin] if block else f"<!-- shipspec:begin {value} -->{nl}")
            out += [line + nl for line in bodies[value]]
            end = lines[block.end] if block else f"<!-- shipspec:end {value} -->"
            out.append(end if end.endswith(("\n", "\r")) else end + nl)
    return out


def _layout(names: list[str], fresh: bool) -> list[tuple[str, str]]:
    """A new file, or shipspec's first blocks appended to a file people started."""
    head = [("new", line) for line in INTRO] if fresh else [("new", ""), ("new", "## Deployment")]
    sessions = [n for n in names if n.startswith("session-")]
    body = [
        ("new", ""),
        ("new", "## Phases"),
        ("new", ""),
        ("block", "phases"),
        ("new", ""),
        ("new", "## Deployment sessions"),
    ]
    for name in sessions:
        body += [("new", ""), ("block", name)]
    body += [
        ("new", ""),
        ("new", "## Audit trail"),
        ("new", ""),
        ("block", "audit"),
        ("new", ""),
        ("block", "state"),
    ]
    return head + body


def _insert(segments: list[tuple[str, str]], name: str) -> None:
    """Put a missing block next to its siblings: sessions in order, audit before state."""
    blocks = [i for i, (kind, _) in enumerate(segments) if kind == "block"]
    named = {segments[i][1]: i for i in blocks}
    sessions = [i for i in blocks if segments[i][1].startswith("session-")]
    if name.startswith("session-") and sessions:
        at = sessions[-1] + 1
        segments[at:at] = [("new", ""), ("block", name)]
        return
    for before in ("audit", "state") if name != "phases" else ():
        if before in named and before != name:
            at = named[before]
            segments[at:at] = [("block", name), ("new", "")]
            return
    at = blocks[0] if name == "phases" and blocks else len(segments)
    segments[at:at] = [("block", name), ("new", "")]
