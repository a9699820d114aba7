"""Mocked Amazon Managed Service for Prometheus resources, as deterministic as the rest.

Split from :mod:`shipspec.preview.mocks` to keep that module readable. A workspace's id
(``ws-`` and a UUID), ARN and ``prometheusEndpoint`` (which ends with ``/``, so the remote
write URL is ``<endpoint>api/v1/remote_write``) follow the shapes AMP returns; rule groups
namespaces and Alertmanager definitions are keyed by their workspace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

Handler = Callable[[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]


def _uuid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def amp_handlers(region: str, account_id: str) -> dict[str, Handler]:
    """The resource handlers for the ``aws:amp`` types, for ``region`` and ``account_id``."""
    arn = f"arn:aws:aps:{region}:{account_id}:"

    def workspace(name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ws = f"ws-{_uuid(f'{token}/{name}/{region}')}"
        endpoint = f"https://aps-workspaces.{region}.amazonaws.com/workspaces/{ws}/"
        return ws, {"arn": f"{arn}workspace/{ws}", "prometheusEndpoint": endpoint}

    def rule_groups(name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        namespace = f"{arn}rulegroupsnamespace/{inputs.get('workspaceId')}/{inputs.get('name')}"
        return namespace, {"arn": namespace}

    def alertmanager(name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return str(inputs.get("workspaceId") or name), {}

    return {
        "aws:amp/workspace:Workspace": workspace,
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace": rule_groups,
        "aws:amp/alertManagerDefinition:AlertManagerDefinition": alertmanager,
    }
