"""Check the cerberus schemas inside a pack, and turn a rule's ``when`` into one.

cerberus validates a schema when a validator is built and reports what is wrong as a
nested dict (with ``anyof definition 0`` branches for ``schema``), which says little
about *where*. This module walks the schema the user wrote instead, so each unknown
rule or bad constraint becomes a located :class:`~shipspec.errors.Diagnostic` at its own
line, with a "did you mean" for misspelt rule names. A last compile of the whole
schema catches anything the walk does not model.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from cerberus import SchemaError

from ..errors import Diagnostic
from ..spec.yamlsource import Path, YamlDocument, dotted
from .validator import PolicyValidator

RULES = frozenset(PolicyValidator().rules)
COERCERS = ("json",)
_LOGIC = ("anyof", "allof", "oneof", "noneof")
_HINT = "docs/policy.md lists cerberus's rules and the custom ones (any_item, ...)"


def when_to_schema(when: dict[str, Any]) -> dict[str, Any]:
    """``{environment: {production: true}, engine: [postgres]}`` → a cerberus schema.

    A scalar means "equals", a list "one of", a mapping whose keys are all rule names
    is used as rules, any other mapping is a nested condition. A condition on a
    missing field is not met, unless the rules say ``required: false``.
    """
    return {key: _condition(value) for key, value in when.items()}


def _condition(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value and all(_is_rule(k) for k in value):
        return {"required": True, **value}
    if isinstance(value, dict):
        return {"required": True, "type": "dict", "schema": when_to_schema(value)}
    if isinstance(value, list):
        return {"required": True, "nullable": None in value, "allowed": value}
    if value is None:
        return {"required": True, "nullable": True, "allowed": [None]}
    if isinstance(value, bool):
        return {"required": True, "type": "boolean", "allowed": [value]}
    return {"required": True, "allowed": [value]}


def _is_rule(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    prefix, _, rest = name.partition("_")
    return name in RULES or (prefix in _LOGIC and rest in RULES)


class SchemaChecker:
    """Collects located diagnostics for the schemas of one pack document."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.found: list[Diagnostic] = []

    def check_schema(self, schema: Any, path: Path) -> None:
        before = len(self.found)
        self._fields(schema, path)
        if len(self.found) == before and isinstance(schema, dict):
            self._compile(schema, path)

    def check_when(self, when: Any, path: Path) -> None:
        if not isinstance(when, dict):
            return  # the pack model reports the wrong type
        before = len(self.found)
        for key, value in when.items():
            if isinstance(value, dict) and value and all(_is_rule(k) for k in value):
                self._rules(value, (*path, key))
            elif isinstance(value, dict):
                self._typos(value, (*path, key))
                self.check_when(value, (*path, key))
        if len(self.found) == before:
            self._compile(when_to_schema(when), path)

    def _typos(self, condition: dict[str, Any], path: Path) -> None:
        """A nested condition whose key is one letter off a rule is a misspelt rule."""
        for key, value in condition.items():
            close = difflib.get_close_matches(str(key), sorted(RULES), n=1, cutoff=0.8)
            if close and not isinstance(value, dict) and not _is_rule(key):
                message = f"unknown rule `{key}` (read as a nested field condition)"
                self._add((*path, key), message, f"did you mean `{close[0]}`?", key=True)

    def _fields(self, mapping: Any, path: Path) -> None:
        if not isinstance(mapping, dict):
            self._add(
                path,
                "must map field names to their rules",
                "e.g. `storageEncrypted: {allowed: [true]}`",
            )
            return
        for field, rules in mapping.items():
            self._rules(rules, (*path, field))

    def _rules(self, rules: Any, path: Path) -> None:
        if not isinstance(rules, dict):
            field = path[-1]
            self._add(
                path,
                f"the rules for `{field}` must be a mapping",
                f"e.g. `{field}: {{required: true, allowed: [true]}}`",
            )
            return
        for rule, constraint in rules.items():
            where = (*path, rule)
            if not _is_rule(rule):
                close = difflib.get_close_matches(str(rule), sorted(RULES), n=1, cutoff=0.6)
                hint = f"did you mean `{close[0]}`?" if close else _HINT
                self._add(where, f"unknown rule `{rule}`", hint, key=True)
            elif rule == "any_item":
                self._fields(constraint, where)
            elif rule == "schema":
                if rules.get("type") == "list" or (
                    rules.get("type") != "dict"
                    and isinstance(constraint, dict)
                    and constraint
                    and all(_is_rule(k) for k in constraint)
                ):
                    self._rules(constraint, where)
                else:
                    self._fields(constraint, where)
            elif rule in ("keysrules", "valuesrules"):
                self._rules(constraint, where)
            elif rule in (*_LOGIC, "items") and isinstance(constraint, list):
                for index, item in enumerate(constraint):
                    self._rules(item, (*where, index))
            else:
                self._leaf(rule, constraint, where)

    def _leaf(self, rule: str, constraint: Any, path: Path) -> None:
        if rule == "coerce" and constraint not in COERCERS:
            self._add(path, f"unknown coercer {constraint!r}", "available: " + ", ".join(COERCERS))
            return
        if rule in ("min", "max") and (
            isinstance(constraint, bool) or not isinstance(constraint, int | float)
        ):
            self._add(path, f"`{rule}` needs a number, got {constraint!r}", f"e.g. `{rule}: 365`")
            return
        if rule == "regex" and isinstance(constraint, str):
            try:
                re.compile(constraint)
            except re.error as error:
                self._add(
                    path,
                    f"is not a valid regular expression: {error}",
                    "check brackets and escapes",
                )
                return
        try:
            PolicyValidator({"field": {rule: constraint}})
        except SchemaError as error:
            self._add(path, f"`{rule}`: {_flatten(error.args[0])}", _HINT)

    def _compile(self, schema: dict[str, Any], path: Path) -> None:
        try:
            PolicyValidator(schema)
        except SchemaError as error:
            self._add(path, f"is not a valid cerberus schema: {_flatten(error.args[0])}", _HINT)

    def _add(self, path: Path, message: str, hint: str, *, key: bool = False) -> None:
        line, column = self.document.position(path, key=key)
        self.found.append(
            Diagnostic(self.document.file, line, column, dotted(path), message, hint, "pack-schema")
        )


def _flatten(tree: Any) -> str:
    """cerberus's nested schema errors → its first two distinct sentences."""
    sentences: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if node not in sentences and not node.startswith("none or more than one"):
                sentences.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return "; ".join(sentences[:2]) or str(tree)
