"""Free text from the spec in every generated file: fuzzed owners, commands, paths and
values either give files their parsers read back (YAML, JSON, Python), or a located
refusal from validation; never a broken file, never an internal error.

Seeded and bounded (``derandomize``), so a failure reproduces and the run stays short.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shipspec.errors import SpecError
from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.spec.loader import loads

pytestmark = pytest.mark.fuzz
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Pieces that break pasted text in YAML, Python, shell or Markdown, mixed with any text.
HOSTILE = [
    "\n", ": ", " #", "#", "'", '"', "\t", "*", "&", "!", "%", "@", "`", "|", ">", "-",
    "{{", "}}", "${{ x }}", "---", "...", "\\", '"""', "\u2028", "\u2029", "\u0085",
    "\r", "\x00", "\x1b", "\ufeff", "\U0001f680", "é", "<!--", "-->", "yes", "null", "1e3",
]  # fmt: skip
TEXT = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=6),
        st.text(st.characters(codec="utf-8"), max_size=3),  # lone surrogates, via escapes
    ),
    min_size=1,
    max_size=6,
).map("".join)


BENIGN = {
    "owner": "team-fuzz",
    "approved_by": "lead@example.com",
    "deliverable": "tests-passing",
    "state": "state",
    "context": "./web",
    "dockerfile": "Dockerfile",
    "path": "health",
    "env": "hello",
    "image": "worker:1.0",
    "test_command": "make test",
    "email": "ops",
}
FIELDS = sorted(BENIGN)


def spec(text: dict[str, str], ci: str) -> dict[str, Any]:
    """The minimal spec with every free-text field the generated files print set to text."""
    return {
        "apiVersion": "shipspec/v1",
        "kind": "Handoff",
        "metadata": {"name": "fuzz", "owner": text["owner"]},
        "development": {
            "status": "complete",
            "approved_by": text["approved_by"],
            "deliverables": [text["deliverable"]],
        },
        "cloud": {"region": "eu-west-1", "state": "s3://fuzz-state/" + text["state"]},
        "environments": {"prod": {}},
        "services": {
            "web": {
                "type": "web",
                "build": {"context": text["context"], "dockerfile": text["dockerfile"]},
                "port": 8080,
                "public": True,
                "health": {"path": "/" + text["path"]},
                "env": {"GREETING": text["env"]},
            },
            "worker": {"type": "worker", "image": "ghcr.io/x/" + text["image"]},
        },
        "delivery": {"ci": ci, "test_command": text["test_command"]},
        "observability": {"alert_email": text["email"] + "@example.com"},
    }


def parse_every_file(files: dict[str, str]) -> None:
    for path, content in files.items():
        if path.endswith((".yaml", ".yml")):
            yaml.load(content, Loader=LOADER)
        elif path.endswith(".json"):
            json.loads(content)
        elif path.endswith(".py"):
            ast.parse(content)
        content.encode("utf-8")


def generate_and_read_back(field: str, value: str, ci: str) -> str:
    """``"refused"`` (with located diagnostics) or ``"rendered"`` (every file parsed back)."""
    text = {**BENIGN, field: value}
    source = yaml.safe_dump(spec(text, ci), allow_unicode=True)
    try:
        loaded = loads(source, "handoff.yaml")
    except SpecError as error:
        assert all(d.line > 0 and d.path for d in error.diagnostics), str(error)
        return "refused"
    files = dict(render(plan(loaded, spec_file="handoff.yaml")))
    parse_every_file(files)
    owner = loaded.metadata.owner
    config = yaml.load(files["infra/Pulumi.prod.yaml"], Loader=LOADER)["config"]
    assert config["aws:defaultTags"]["tags"]["owner"] == owner
    assert f"({owner})" in yaml.safe_load(files["infra/Pulumi.yaml"])["description"]
    main = ast.parse(files["infra/__main__.py"])
    assert f"({owner})" in (ast.get_docstring(main) or "")
    # A service's plain env lives in the stack config (it may differ per environment).
    services = next(v for k, v in config.items() if k.endswith(":services"))
    assert services["web"]["env"]["GREETING"] == loaded.services["web"].env["GREETING"]
    workflow = ".github/workflows/pull-request.yml" if ci == "github" else ".gitlab-ci.yml"
    command = loaded.delivery.test_command
    assert command is not None
    parsed = yaml.load(files[workflow], Loader=LOADER)
    assert any(command.strip() in text for text in strings(parsed))
    return "rendered"


def strings(value: object) -> list[str]:
    """Every string anywhere in a parsed document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner", "Team: Ops \u2028 - 1 @ x.y/z =+ é\u00a0"),
        ("test_command", 'make test # "quoted"\n  indented: *star\n\u2028 & done'),
        ("test_command", " leading space\ttab\r"),
        ("env", '"""\\ \x00 \U0001f680 \u0085 <!-- -->'),
        ("state", 'a b # "c": d'),
        ("context", "web app/é: #x"),
        ("dockerfile", "Docker file\u2029'"),
        ("email", "o'brien\"x"),
        ("path", "a'b\"c#d:e"),
        ("image", "x:1#'\"*"),
    ],
)
def test_hostile_text_in_each_field_renders_files_that_read_back(field: str, value: str) -> None:
    for ci in ("github", "gitlab"):
        assert generate_and_read_back(field, value, ci) == "rendered"


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: it can take minutes
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.sampled_from(FIELDS), TEXT, st.sampled_from(["github", "gitlab"]))
def test_fuzzed_free_text_gives_parseable_files_or_a_located_refusal(
    field: str, value: str, ci: str
) -> None:
    generate_and_read_back(field, value, ci)
