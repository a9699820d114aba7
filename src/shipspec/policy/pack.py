"""Policy packs: YAML files of rules that users write without Python.

``load_pack(path)`` reads a pack the way a spec is read: YAML with positions, the
format typed by pydantic (:class:`PackSpec`, also the source of
``blueprints/policy/pack.schema.json``), then every embedded cerberus schema checked
by :mod:`.schemas`. All problems are reported at once as a :class:`PackError` of
located diagnostics; a pack that loads is compiled into :class:`Pack` with its
validators built, ready to evaluate many times.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, model_validator

from ..errors import Diagnostic, SpecError
from ..spec.diagnostics import from_validation_error
from ..spec.yamlsource import MAX_BYTES, YamlDocument, read_yaml
from .errors import PackError
from .schemas import SchemaChecker, when_to_schema
from .validator import GraphFacts, PolicyValidator, describe

BUILTIN = ("baseline", "pci-dss", "hipaa", "soc2")
ModelTarget = Literal["service", "datastore", "environment", "load_balancer", "deployment"]
_FORMAT_HINT = "docs/policy.md describes the pack format"
_CerberusSchema = Annotated[
    dict[str, Any],
    WithJsonSchema({"type": "object", "additionalProperties": {"x-rules-set": True}}),
]


class RuleSpec(BaseModel):
    """One rule as written in a pack."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$", description="Unique in its pack.")
    description: str = Field(min_length=1, description="What the rule requires, one sentence.")
    severity: Literal["error", "warning"] = Field(description="error fails `shipspec check`.")
    remediation: str = Field(min_length=1, description="What to change when it fails.")
    control: str | None = Field(default=None, description='e.g. "PCI DSS 4.0 req 3.5.1".')
    resource: str | list[str] | None = Field(
        default=None, description="Pulumi type token(s) of the preview, globs allowed."
    )
    model: ModelTarget | None = Field(default=None, description="Deployment model objects.")
    when: dict[str, Any] = Field(default_factory=dict, description="Conditions on the target.")
    rules_schema: _CerberusSchema = Field(alias="schema", description="cerberus schema.")

    @model_validator(mode="after")
    def _one_target(self) -> RuleSpec:
        if (self.resource is None) == (self.model is None):
            raise ValueError("give exactly one target: `resource` or `model`")
        return self


class PackSpec(BaseModel):
    """A policy pack file: a name, what it is for, and its rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    description: str = Field(min_length=1)
    rules: Annotated[list[RuleSpec], Field(min_length=1)]


@dataclass(frozen=True)
class Rule:
    """A compiled rule: its metadata, target, and the validators that check it."""

    pack: str
    id: str
    description: str
    severity: Literal["error", "warning"]
    remediation: str
    control: str | None
    resources: tuple[str, ...]
    model: str | None
    when: Mapping[str, Any]
    schema: Mapping[str, Any]

    # Built on first use: cerberus checks a schema when a validator is built, which was
    # most of the time a generate spent on the compliance page, and that page evaluates
    # only the rules on the model. A user's pack is built whole when it loads.
    @functools.cached_property
    def _when(self) -> PolicyValidator:
        return PolicyValidator(when_to_schema(dict(self.when)))

    @functools.cached_property
    def _check(self) -> PolicyValidator:
        return PolicyValidator(self.schema)

    def build(self) -> Rule:
        """Build both validators now (a schema cerberus refuses raises here)."""
        self._when, self._check  # noqa: B018
        return self

    @property
    def qualified_id(self) -> str:
        return f"{self.pack}/{self.id}"

    def targets_type(self, token: str) -> bool:
        return any(fnmatch.fnmatchcase(token, glob) for glob in self.resources)

    def applies(self, when_document: Mapping[str, Any]) -> bool:
        return not self.when or bool(self._when.validate(dict(when_document)))

    def check(self, document: Mapping[str, Any], facts: GraphFacts) -> list[tuple[str, str]]:
        """The failing ``(field, sentence)`` pairs of ``document``; empty when it passes."""
        self._check._config["policy_facts"] = facts
        if self._check.validate(dict(document)):
            return []
        return describe(self._check._errors)


@dataclass(frozen=True)
class Pack:
    name: str
    description: str
    rules: tuple[Rule, ...]
    source: str


def load_pack(path: str | Path) -> Pack:
    """Read, check and compile the pack at ``path``; :class:`PackError` lists every problem."""
    shown = str(path)
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        reason = "no such file" if isinstance(error, FileNotFoundError) else error.strerror
        diagnostic = Diagnostic(
            shown, 0, 0, "", f"cannot be read: {reason}", _FORMAT_HINT, "unreadable"
        )
        raise PackError([diagnostic]) from None
    return loads_pack(raw, shown)


def loads_pack(raw: bytes | str, file: str = "pack.yaml") -> Pack:
    """Check and compile a pack held in memory; ``file`` names it in diagnostics."""
    try:
        document = read_yaml(raw.encode() if isinstance(raw, str) else raw, file)
    except SpecError as error:
        raise PackError(error.diagnostics) from None
    if not isinstance(document.data, dict):
        message = "the top level must be a mapping (name, description, rules)"
        raise PackError([Diagnostic(file, 1, 1, "", message, _FORMAT_HINT, "not-a-mapping")])
    problems = list(document.problems) + _schema_problems(document) + _repeated_ids(document)
    try:
        spec = PackSpec.model_validate(document.data)
    except ValidationError as error:
        located = from_validation_error(error, document, PackSpec)
        raise PackError([_pack_hint(d) for d in located] + problems) from None
    if problems:
        raise PackError(problems)
    pack = compile_pack(spec, file)
    for rule in pack.rules:
        rule.build()
    return pack


def compile_pack(spec: PackSpec, source: str) -> Pack:
    rules = tuple(
        Rule(
            pack=spec.name,
            id=r.id,
            description=r.description,
            severity=r.severity,
            remediation=r.remediation,
            control=r.control,
            resources=tuple([r.resource] if isinstance(r.resource, str) else r.resource or ()),
            model=r.model,
            when=r.when,
            schema=r.rules_schema,
        )
        for r in spec.rules
    )
    return Pack(spec.name, spec.description, rules, source)


@functools.cache
def builtin_pack(name: str) -> Pack:
    if name not in BUILTIN:
        hint = "built-in packs: " + ", ".join(BUILTIN) + "; pass your own with --policy FILE"
        message = f"no built-in policy pack named {name!r}"
        raise PackError([Diagnostic(name, 0, 0, "", message, hint, "unknown-pack")])
    from ..render.engine import blueprints_root

    # Built-in packs ship with shipspec and are checked by its tests: the libyaml reader
    # user packs go through, without using its positions.
    path = blueprints_root() / "policy" / f"{name}.yaml"
    data = read_yaml(path.read_bytes(), str(path)).data
    return compile_pack(PackSpec.model_validate(data), str(path))


def builtin_packs(names: Iterable[str]) -> list[Pack]:
    """The named built-in packs, in the given order, each once."""
    return [builtin_pack(name) for name in dict.fromkeys(names)]


def packs_for(compliance: Iterable[str], policy_files: Iterable[str | Path] = ()) -> list[Pack]:
    """``baseline``, the packs the spec's ``compliance`` list turns on, then user packs."""
    packs = builtin_packs(["baseline", *compliance]) + [load_pack(p) for p in policy_files]
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.name in seen:
            message = f"pack name {pack.name!r} is also used by {seen[pack.name]}"
            hint = "rename the pack: rule ids are reported as <pack>/<rule>"
            raise PackError([Diagnostic(pack.source, 0, 0, "name", message, hint, "pack-clash")])
        seen[pack.name] = pack.source
    return packs


def _schema_problems(document: YamlDocument) -> list[Diagnostic]:
    """Check every rule's cerberus parts on the raw data, so they show with field errors."""
    checker = SchemaChecker(document)
    rules = document.data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, dict):
            if "schema" in rule:
                checker.check_schema(rule["schema"], ("rules", index, "schema"))
            if "when" in rule:
                checker.check_when(rule["when"], ("rules", index, "when"))
    return checker.found


def _repeated_ids(document: YamlDocument) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    found = []
    rules = document.data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            line, column = document.position(("rules", index, "id"))
            message = f"rule id {rule_id!r} is used twice (first by rules[{seen[rule_id]}])"
            found.append(
                Diagnostic(
                    document.file,
                    line,
                    column,
                    f"rules[{index}].id",
                    message,
                    "give each rule its own id",
                    "duplicate-id",
                )
            )
        seen.setdefault(rule_id, index)
    return found


def _pack_hint(diagnostic: Diagnostic) -> Diagnostic:
    if "shipspec schema" not in diagnostic.hint:
        return diagnostic
    return Diagnostic(
        diagnostic.file,
        diagnostic.line,
        diagnostic.column,
        diagnostic.path,
        diagnostic.message,
        _FORMAT_HINT,
        diagnostic.code,
    )


def pack_json_schema() -> dict[str, Any]:
    """The JSON Schema of the pack format, with the cerberus rule names for completion."""
    schema = _rules_set_refs(PackSpec.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shipspec policy pack"
    rules = sorted(PolicyValidator().rules)
    schema.setdefault("$defs", {})["RulesSet"] = {
        "type": "object",
        "description": "cerberus rules for one field (docs/policy.md lists the custom ones)",
        "propertyNames": {
            "pattern": "^(" + "|".join(rules) + "|(anyof|allof|oneof|noneof)_[a-z_]+)$"
        },
    }
    return schema


def _rules_set_refs(node: Any) -> Any:
    """Point the placeholder ``{"x-rules-set": true}`` at ``#/$defs/RulesSet``."""
    if isinstance(node, dict):
        if node.get("x-rules-set"):
            return {"$ref": "#/$defs/RulesSet"}
        return {key: _rules_set_refs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_rules_set_refs(value) for value in node]
    return node
