"""The physical names the generated program gives resources, known to the plan in advance.

The generated program names a resource ``<project>-<stack>-<name>`` through
``infra/components/_names.py``'s ``physical_name``, cut to the type's maximum with a hash
of the whole, and an EventBridge rule through its ``rule_name``, under a prefix the alert
topics' policies admit. The runbook and the alarm tables name those resources, so the plan computes
the same name here (the preview tests check both agree on the stack's real names).
"""

from __future__ import annotations

import hashlib
import re

HASH_LENGTH = 7
EVENTBRIDGE_RULE_NAME_MAX = 64
"""events PutRule ``Name``: 1-64 characters (botocore's model; the preview's conformance
rule ``events.rule.name.length`` reads it from there)."""


RULE_PREFIX_WHOLE_MAX = EVENTBRIDGE_RULE_NAME_MAX - HASH_LENGTH - 1
RULE_PREFIX_SHORT = 32


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cut(cleaned: str, full: str, max_length: int) -> str:
    if len(cleaned) <= max_length:
        return cleaned
    digest = hashlib.sha256(full.encode()).hexdigest()[:HASH_LENGTH]
    return f"{cleaned[: max_length - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def physical_name(app: str, env: str, name: str, *, max_length: int) -> str:
    """``<app>-<env>-<name>`` as the program's ``physical_name`` makes it, cut to fit."""
    full = f"{app}-{env}-{name}" if name else f"{app}-{env}"
    cleaned = _clean(full)
    if not cleaned[:1].isalpha():
        cleaned = f"x-{cleaned}"
    return _cut(cleaned, full, max_length)


def rule_prefix(app: str, env: str) -> str:
    """What the stack's EventBridge rule names begin with (before a hyphen), as the program's
    ``rule_prefix`` makes it: ``<app>-<env>`` when a cut rule name keeps it whole (56
    characters), else cut to 32 with a hash. The alert topics' policies admit
    ``rule/<prefix>-*``."""
    whole = physical_name(app, env, "", max_length=255)
    if len(whole) <= RULE_PREFIX_WHOLE_MAX:
        return whole
    return physical_name(app, env, "", max_length=RULE_PREFIX_SHORT)


def rule_name(app: str, env: str, name: str) -> str:
    """An EventBridge rule's name, as the program's ``rule_name`` makes it: under
    ``rule_prefix``, cut to 64 characters with a hash of ``<app>-<env>-<name>``."""
    return _cut(
        f"{rule_prefix(app, env)}-{_clean(name)}", f"{app}-{env}-{name}", EVENTBRIDGE_RULE_NAME_MAX
    )
