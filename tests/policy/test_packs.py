"""Pack loading: malformed packs paired with the located messages they must produce,
and the built-in packs held to the format and to their own conventions."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from shipspec.policy import (
    BUILTIN,
    PackError,
    builtin_packs,
    load_pack,
    loads_pack,
    pack_json_schema,
)
from tests.conftest import ROOT

PACKS = ROOT / "blueprints" / "policy"
HEAD = """\
name: demo
description: A pack for the tests.
rules:
  - id: rule-one
    description: A rule.
    severity: error
    remediation: Fix it.
"""

# (pack text after HEAD's first rule fields, [(path, line, column, message part, hint part)])
BAD = {
    "misspelt severity value": (
        HEAD.replace("severity: error", "severity: eror")
        + (
            '    resource: "aws:rds/instance:Instance"\n'
            "    schema: {storageEncrypted: {allowed: [true]}}\n"
        ),
        [
            (
                "rules[0].severity",
                6,
                15,
                "must be one of 'error' or 'warning'",
                "did you mean `error`?",
            )
        ],
    ),
    "unknown rule in the schema": (
        HEAD
        + (
            '    resource: "aws:rds/instance:Instance"\n'
            "    schema:\n"
            "      storageEncrypted: {allowd: [true]}\n"
        ),
        [
            (
                "rules[0].schema.storageEncrypted.allowd",
                10,
                26,
                "unknown rule `allowd`",
                "did you mean `allowed`?",
            )
        ],
    ),
    "unknown coercer": (
        HEAD
        + ('    resource: "aws:iam/policy:Policy"\n    schema:\n      policy: {coerce: yaml}\n'),
        [("rules[0].schema.policy.coerce", 10, 24, "unknown coercer 'yaml'", "available: json")],
    ),
    "rules that are not a mapping": (
        HEAD
        + (
            '    resource: "aws:rds/instance:Instance"\n    schema:\n      storageEncrypted: true\n'
        ),
        [
            (
                "rules[0].schema.storageEncrypted",
                10,
                25,
                "the rules for `storageEncrypted` must be a mapping",
                "e.g.",
            )
        ],
    ),
    "bad regular expression": (
        HEAD
        + (
            '    resource: "aws:lb/listener:Listener"\n'
            "    schema:\n"
            '      sslPolicy: {regex: "(TLS"}\n'
        ),
        [
            (
                "rules[0].schema.sslPolicy.regex",
                10,
                26,
                "is not a valid regular expression",
                "brackets",
            )
        ],
    ),
    "constraint of the wrong type (cerberus SchemaError)": (
        HEAD
        + ('    resource: "aws:rds/instance:Instance"\n    schema:\n      port: {allowed: 5432}\n'),
        [
            (
                "rules[0].schema.port.allowed",
                10,
                23,
                "`allowed`: must be of container type",
                "docs/policy.md",
            )
        ],
    ),
    "non-numeric minimum": (
        HEAD
        + (
            '    resource: "aws:cloudwatch/logGroup:LogGroup"\n'
            "    schema:\n"
            "      retentionInDays: {min: a year}\n"
        ),
        [("rules[0].schema.retentionInDays.min", 10, 30, "`min` needs a number", "min: 365")],
    ),
    "custom rule with a bad constraint": (
        HEAD
        + (
            '    resource: "aws:vpc/*"\n'
            "    schema:\n"
            "      cidrIpv4: {cidr_not_open_except_ports: {ports: 443}}\n"
        ),
        [
            (
                "rules[0].schema.cidrIpv4.cidr_not_open_except_ports",
                10,
                46,
                "must be of list type",
                "docs/policy.md",
            )
        ],
    ),
    "misspelt rule inside any_item": (
        HEAD
        + (
            '    resource: "aws:s3/bucket:Bucket"\n'
            "    schema:\n"
            "      _dependents:\n"
            "        any_item:\n"
            "          _type: {alowed: [x]}\n"
        ),
        [
            (
                "rules[0].schema._dependents.any_item._type.alowed",
                12,
                19,
                "unknown rule `alowed`",
                "did you mean `allowed`?",
            )
        ],
    ),
    "misspelt rule in when": (
        HEAD
        + (
            "    model: environment\n"
            "    when: {production: {alowed: [true]}}\n"
            "    schema: {approval_required: {allowed: [true]}}\n"
        ),
        [
            (
                "rules[0].when.production.alowed",
                9,
                25,
                "unknown rule `alowed`",
                "did you mean `allowed`?",
            )
        ],
    ),
    "two targets": (
        HEAD
        + ('    resource: "aws:rds/instance:Instance"\n    model: datastore\n    schema: {}\n'),
        [("rules[0]", 4, 5, "give exactly one target: `resource` or `model`", "docs/policy.md")],
    ),
    "unknown model target": (
        HEAD + ("    model: databse\n    schema: {}\n"),
        [("rules[0].model", 8, 12, "must be one of", "did you mean")],
    ),
    "unknown field": (
        HEAD + ("    model: datastore\n    shcema: {}\n"),
        [
            ("rules[0].schema", 4, 5, "is required", "add `schema`"),
            ("rules[0].shcema", 9, 5, "unknown field `shcema`", "did you mean `schema`?"),
        ],
    ),
    "repeated rule id": (
        HEAD
        + ("    model: datastore\n    schema: {}\n")
        + HEAD.split("rules:\n")[1]
        + ("    model: service\n    schema: {}\n"),
        [
            (
                "rules[1].id",
                10,
                9,
                "rule id 'rule-one' is used twice (first by rules[0])",
                "its own id",
            )
        ],
    ),
    "no rules": (
        ("name: demo\ndescription: d\nrules: []\n"),
        [("rules", 3, 8, "must not be empty", "")],
    ),
    "yaml syntax": (
        ("name: demo\ndescription: [unclosed\n"),
        [("", 3, 1, "not valid YAML", "indentation")],
    ),
    "not a mapping": (
        ("- just\n- a list\n"),
        [("", 1, 1, "the top level must be a mapping", "docs/policy.md")],
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_pack_gives_located_errors(name: str) -> None:
    text, expected = BAD[name]
    with pytest.raises(PackError) as caught:
        loads_pack(text, "demo.yaml")
    found = caught.value.diagnostics
    assert len(found) == len(expected), "\n".join(str(d) for d in found)
    for diagnostic, (path, line, column, message, hint) in zip(found, expected, strict=True):
        assert diagnostic.file == "demo.yaml"
        assert (diagnostic.path, diagnostic.line, diagnostic.column) == (path, line, column), str(
            diagnostic
        )
        assert message in diagnostic.message
        assert hint in diagnostic.hint
        assert "Traceback" not in str(caught.value)


def test_every_problem_of_a_pack_is_reported_at_once() -> None:
    text = HEAD.replace("severity: error", "severity: high") + (
        '    resource: "aws:rds/instance:Instance"\n'
        "    schema:\n"
        "      a: {allowd: [1]}\n"
        "      b: {coerce: x}\n"
    )
    with pytest.raises(PackError) as caught:
        loads_pack(text, "demo.yaml")
    assert [d.path for d in caught.value.diagnostics] == [
        "rules[0].severity",
        "rules[0].schema.a.allowd",
        "rules[0].schema.b.coerce",
    ]
    assert str(caught.value).startswith("3 problems in the policy pack:")


def test_missing_pack_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="cannot be read: no such file"):
        load_pack(tmp_path / "nope.yaml")


def test_unknown_builtin_pack_lists_the_known_ones() -> None:
    with pytest.raises(PackError) as caught:
        builtin_packs(["baseline", "iso27001"])
    assert "built-in packs: baseline, pci-dss, hipaa, soc2" in caught.value.diagnostics[0].hint


def test_a_valid_user_pack_loads_and_keeps_its_order(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        HEAD
        + ("    model: service\n    when: {kind: web}\n    schema: {public: {allowed: [false]}}\n")
    )
    pack = load_pack(path)
    assert pack.name == "demo" and pack.source == str(path)
    (rule,) = pack.rules
    assert (rule.qualified_id, rule.model, rule.control) == ("demo/rule-one", "service", None)


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_pack_validates_against_the_published_json_schema(name: str) -> None:
    schema = json.loads((PACKS / "pack.schema.json").read_text())
    data = YAML(typ="safe", pure=True).load((PACKS / f"{name}.yaml").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


def test_published_json_schema_is_current() -> None:
    committed = json.loads((PACKS / "pack.schema.json").read_text())
    assert committed == pack_json_schema(), "regenerate blueprints/policy/pack.schema.json"


def test_json_schema_rejects_a_misspelt_rule_for_editors() -> None:
    schema = pack_json_schema()
    bad = yaml_data(HEAD + ("    model: service\n    schema: {public: {alowed: [false]}}\n"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(bad)


def test_builtin_compliance_rules_name_their_control() -> None:
    prefixes = {"pci-dss": "PCI DSS 4.0 req ", "hipaa": "HIPAA §164.", "soc2": "SOC 2 "}
    for pack in builtin_packs(prefixes):
        for rule in pack.rules:
            assert rule.control and rule.control.startswith(prefixes[pack.name]), rule.qualified_id
            assert rule.description.endswith(".") and rule.remediation, rule.qualified_id


def test_builtin_rule_ids_are_unique_and_documented() -> None:
    docs = (ROOT / "docs" / "policy.md").read_text()
    for pack in builtin_packs(BUILTIN):
        ids = [rule.id for rule in pack.rules]
        assert len(ids) == len(set(ids)), pack.name
        assert f"`{pack.name}`" in docs


def yaml_data(text: str) -> object:
    return YAML(typ="safe", pure=True).load(textwrap.dedent(text))


def test_every_custom_rule_is_documented() -> None:
    from shipspec.policy.validator import PolicyValidator

    docs = (ROOT / "docs" / "policy.md").read_text()
    custom = {name.removeprefix("_validate_") for name in dir(PolicyValidator)}
    custom = {n for n in custom if n in PolicyValidator().rules} - set(
        __import__("cerberus").Validator().rules
    )
    assert custom == {
        "any_item",
        "cidr_not_open_except_ports",
        "forbid_wildcard_actions",
        "forbid_wildcard_resources",
    }
    for name in [*custom, "coerce: json"]:
        assert f"`{name}" in docs, name


@pytest.mark.parametrize("name", ["baseline", "pci-dss", "hipaa", "soc2"])
def test_builtin_packs_pass_the_checks_user_packs_get(name: str) -> None:
    """Built-in packs are read with the fast loader; the full located check must agree."""
    from shipspec.policy.pack import builtin_pack
    from shipspec.render.engine import blueprints_root

    checked = load_pack(blueprints_root() / "policy" / f"{name}.yaml")
    fast = builtin_pack(name)
    assert [r.id for r in checked.rules] == [r.id for r in fast.rules]
    assert [r.schema for r in checked.rules] == [r.schema for r in fast.rules]
