"""Every shell variable an alarm section's commands read is set before them: by the
section's own "First, for the alarm's service or datastore" lines, by "Before you start",
or by the commands themselves (an assignment, a ``for`` loop, ``read``).

The commands include those of the shared sections the alarm section sends the reader to
(``[Cache metrics](#cache-metrics)``...), run for that alarm: a Memcached section whose
only commands are the shared "Cache metrics" ones still needs its first line to set
``MEMCACHED_ID``. (The check of ``test_runbook_services.py`` compares the values that
``--service``-like options get, in the section's own text only, so it never saw the
``--dimensions ...Value="$MEMCACHED_ID"`` of a linked section.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shipspec.plan.model import DeploymentModel
from shipspec.render.targets._docs_runbook_vars import ENGINE_VARIABLE
from tests.conftest import EXAMPLES, example_names
from tests.docs.test_runbook_services import SETUP, runbook

SPECS = Path(__file__).parent / "specs"
SOURCES = [(n, EXAMPLES / f"{n}.yaml") for n in example_names()] + [
    ("hold-desk", SPECS / "hold-desk.yaml"),
    ("meter-cache", SPECS / "meter-cache.yaml"),
]
# What the reader's shell has without the runbook (the AWS CLI's own settings).
ENVIRONMENT = {"AWS_REGION", "AWS_PROFILE", "HOME"}
READS = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
SETS = (
    re.compile(r"(?:^|[\s;(`|&])([A-Za-z_][A-Za-z0-9_]*)="),  # NAME=..., export NAME=...
    re.compile(r"\bfor ([A-Za-z_][A-Za-z0-9_]*) in\b"),
    re.compile(r"--arg(?:json)? ([A-Za-z_][A-Za-z0-9_]*)\b"),  # a jq program's $name
)
READ = re.compile(r"\bread -r((?: [A-Za-z_][A-Za-z0-9_]*)+)")


def code(text: str) -> str:
    """The commands of a runbook text: its fenced blocks and inline code spans."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    rest = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    spans = [s for s in re.findall(r"`([^`\n]+)`", rest) if not s.startswith("db.")]
    return "\n".join([*blocks, *spans])  # not mongosh's JavaScript (`db....`)


def sets(commands: str) -> set[str]:
    found = {name for pattern in SETS for name in pattern.findall(commands)}
    for names in READ.findall(commands):
        found |= set(names.split())
    return found


def reads(commands: str) -> set[str]:
    # Inside single quotes (a jq or JMESPath program, a heredoc's SQL) `$` is not the shell's,
    # unless the program declares it with --arg, which `sets` counts.
    unquoted = re.sub(r"'[^'\n]*'", "''", commands)
    return set(READS.findall(unquoted))


def shared_section(text: str, anchor: str) -> str:
    """A top-level section (``## Title``) by its anchor, up to the next one."""
    after = text.split(f'<a id="{anchor}"></a>', 1)[1]
    body = after.split("\n", 2)[2] if after.startswith("\n## ") else after
    return re.split(r"\n## |<a id=", body, maxsplit=1)[0]


def alarm_sections(text: str) -> dict[str, str]:
    """Each alarm section (``### ...`` under an ``alarm-`` anchor) by its first anchor."""
    found = {}
    for m in re.finditer(r'<a id="(alarm-[^"]+)"></a>\n(?:<a id="[^"]+"></a>\n)*###', text):
        body = text[m.end() :]
        found[m.group(1)] = re.split(r"\n## |\n<a id=", body, maxsplit=1)[0]
    return found


def engines(model: DeploymentModel, anchor: str) -> set[str]:
    """The kinds (a datastore's engine, ``service``...) of the alarms linking ``anchor``."""
    from shipspec.render.targets._docs_runbook import _kind

    return {
        _kind(model, env_name, alarm.target)
        for env_name, env_alarms in model.monitoring.alarms.items()
        for alarm in env_alarms.alarms
        if alarm.runbook.partition("#")[2] == anchor
    }


def linked(text: str, section: str) -> str:
    """The commands of the shared sections ``section`` links to, and of those they link."""
    seen: set[str] = set()
    pending = [a for a in re.findall(r"\]\(#([a-z0-9-]+)\)", section)]
    out = []
    while pending:
        anchor = pending.pop()
        if anchor in seen or anchor.startswith(("alarm-", "slo-")):
            continue
        seen.add(anchor)
        if f'<a id="{anchor}"></a>' not in text:
            continue
        shared = shared_section(text, anchor)
        out.append(shared)
        pending += re.findall(r"\]\(#([a-z0-9-]+)\)", shared)
    return "\n".join(out)


@pytest.mark.parametrize(("name", "spec"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_variable_an_alarm_section_reads_is_set_before(name: str, spec: Path) -> None:
    model, text = runbook(spec)
    before = code(text.split("\n## Before you start", 1)[1].split("\n## ", 1)[0])
    given = sets(before) | ENVIRONMENT
    sections = alarm_sections(text)
    assert sections, name
    for anchor, section in sections.items():
        setup = SETUP.search(section)
        first = sets(setup["lines"]) if setup else set()
        own = SETUP.sub("", section)
        commands = code(own) + "\n" + code(linked(text, own))
        missing = reads(commands) - sets(commands) - first - given
        # A shared block's part for another engine (Cache metrics' Memcached command, read
        # from a Redis section) is not this alarm's to run.
        others = {v for e, v in ENGINE_VARIABLE.items() if e not in engines(model, anchor)}
        missing -= others - set(reads(code(own)))
        assert not missing, (name, anchor, sorted(missing))


def test_a_memcached_section_sets_the_cluster_its_linked_commands_read() -> None:
    """The review's case: evictions and CPU of a Memcached cache (no Redis beside it)."""
    _, text = runbook(SPECS / "meter-cache.yaml")
    sections = alarm_sections(text)
    for anchor in ("alarm-evictions", "alarm-cpu"):
        setup = SETUP.search(sections[anchor])
        assert setup, anchor
        assert 'MEMCACHED_ID="$TARIFF_CACHE_MEMCACHED_ID"   # tariff-cache' in setup["lines"]


@pytest.mark.parametrize(("name", "spec"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_kind_of_target_in_a_section_has_its_guide_there(name: str, spec: Path) -> None:
    """A section shared by several kinds (ECS CPU, DocumentDB CPU, Memcached CPU) says
    something of each: the review's Memcached CPU alarm sat in "CPU (ECS service) / CPU
    (DocumentDB)" with nothing, and no first line, for its cache."""
    from shipspec.render.targets._docs_runbook import WAF_SECTION, _kind, sections

    model, _ = runbook(spec)
    kinds: dict[str, set[str]] = {}
    for env_name, env_alarms in model.monitoring.alarms.items():
        for alarm in env_alarms.alarms:
            anchor = alarm.runbook.partition("#")[2]
            if anchor != WAF_SECTION and anchor.startswith("alarm-"):
                kind = _kind(model, env_name, alarm.target).replace("queue-service", "service")
                kinds.setdefault(anchor, set()).add(kind)
    for section in sections(model):
        titles = {g.title for g in section.guides}  # a guide may carry added steps
        guided = {
            key.partition(":")[0]
            for key, guide in _guide_keys().items()
            if getattr(guide, "title", None) in titles
        }
        for anchor in section.anchors:
            assert kinds.get(anchor, set()) <= guided, (name, anchor, kinds[anchor] - guided)


def _guide_keys() -> dict[str, object]:
    from shipspec.render.targets._docs_runbook import GUIDES
    from shipspec.render.targets._docs_runbook_sql_guides import SQL_GUIDES

    keys: dict[str, object] = dict(GUIDES)
    # MySQL's and MariaDB's guides of one check, merged into one where both are present.
    for key, guide in SQL_GUIDES.items():
        engines, _, check = key.partition(":")
        for engine in engines.split("+"):
            keys.setdefault(f"{engine}:{check}#{key}", guide)
    return keys
