"""The physical names the generated program gives resources, known to the plan in advance.

The generated program names a resource ``<project>-<stack>-<name>`` through
``infra/components/_names.py``'s ``physical_name``, cut to the type's maximum with a hash
of the whole. The runbook and the alarm tables name those resources, so the plan computes
the same name here (the preview tests check both agree on the stack's real names).
"""

from __future__ import annotations

import hashlib
import re

HASH_LENGTH = 7
EVENTBRIDGE_RULE_NAME_MAX = 64
"""events PutRule ``Name``: 1-64 characters (botocore's model; the preview's conformance
rule ``events.rule.name.length`` reads it from there)."""


def physical_name(app: str, env: str, name: str, *, max_length: int) -> str:
    """``<app>-<env>-<name>`` as the program's ``physical_name`` makes it, cut to fit."""
    full = f"{app}-{env}-{name}"
    cleaned = re.sub(r"[^a-z0-9]+", "-", full.lower()).strip("-")
    if not cleaned[:1].isalpha():
        cleaned = f"x-{cleaned}"
    if len(cleaned) > max_length:
        digest = hashlib.sha256(full.encode()).hexdigest()[:HASH_LENGTH]
        cleaned = f"{cleaned[: max_length - HASH_LENGTH - 1].rstrip('-')}-{digest}"
    return cleaned
