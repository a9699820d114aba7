"""Stack config files (``infra/Pulumi.<env>.yaml``) are shared with the Pulumi CLI.

shipspec writes the stack's settings there; a person adds the stack's secrets with
``pulumi config set --secret <key> <value>`` (for example ``pagerdutyUrl``), which writes
``<project>:<key>: {secure: v1:…}`` into ``config:`` and, on a passphrase or KMS backend,
``encryptionsalt`` / ``secretsprovider`` / ``encryptedkey`` beside it, and may re-serialise
the whole file. Those values belong to the user: ``generate`` keeps them, and neither
``generate`` nor ``generate --check`` counts them (or the CLI's re-formatting) as a hand
edit. So a stack config is compared as data, not bytes: its fingerprint (recorded in the
manifest) covers only what shipspec writes, that is ``config:`` without secret values.
A value shipspec writes that someone changed is still a hand edit, and a secret set under a
key shipspec writes replaces shipspec's value, so it shows as one too.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from typing import Any

import yaml

from ..fileset import digest
from ..ownyaml import load_own_yaml

_STACK_CONFIG = re.compile(r"^infra/Pulumi\.[^/.]+\.yaml$")


def is_stack_config(path: str) -> bool:
    return bool(_STACK_CONFIG.match(path))


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


@lru_cache(maxsize=8)
def _parts(text: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
    """(shipspec's part, the user's top-level keys, the user's secret config values), or
    ``None`` for text that is no YAML mapping (compared by bytes then).

    Kept for the last few texts: one ``write`` reads a stack config up to twice (its
    fingerprint, then the user's values to keep), and at 200 services one is over a
    megabyte of YAML. Callers only read the result.
    """
    try:
        data = load_own_yaml(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("config", {}), dict):
        return None
    config = data.get("config") or {}
    secrets = {key: value for key, value in config.items() if _is_secret(value)}
    ours = {key: value for key, value in config.items() if key not in secrets}
    others = {key: value for key, value in data.items() if key != "config"}
    return {"config": ours}, others, secrets


def fingerprint(path: str, text: str | bytes) -> str:
    """The manifest's digest of a generated file: of the bytes, or for a stack config of
    the part shipspec writes (as data)."""
    if not is_stack_config(path):
        return digest(text)
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    parts = _parts(decoded)
    if parts is None:
        return digest(text)
    canonical = json.dumps(parts[0], sort_keys=True, default=str, ensure_ascii=False)
    return "data:sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def keep_users_values(path: str, generated: str, current: str) -> str:
    """``generated`` with the user's secret config values and top-level keys from
    ``current`` (the file on disk) appended, in a stable order."""
    if not is_stack_config(path):
        return generated
    parts = _parts(current)
    if parts is None:
        return generated
    _, others, secrets = parts
    ours = _parts(generated)
    written = ours[0]["config"] if ours else {}
    secrets = {key: value for key, value in secrets.items() if key not in written}
    text = generated if generated.endswith("\n") else generated + "\n"
    if secrets:
        dumped = _dump(secrets)
        text += "".join(f"  {line}\n" for line in dumped.splitlines())
    if others:
        text += _dump(others)
    return text


def _dump(values: dict[str, Any]) -> str:
    return yaml.safe_dump(values, default_flow_style=False, sort_keys=True, width=math.inf)
