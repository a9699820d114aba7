"""What a program registers, recorded as the engine would see it (for :mod:`.runner`).

:class:`RecordingMonitor` is the SDK's mock monitor with what the engine does and the mock
does not: the root stack left out of children's qualified types, duplicate URNs refused,
the stack's resource transforms applied, alias specs turned into the old URNs the engine
matches, and an aliased resource keeping its old physical name. Each registration becomes a
:class:`~.records.RecordedResource` with plain, deterministic inputs (:func:`plain`);
:func:`tree_order` lists them as Pulumi's state does.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from shipspec.preview.records import RecordedResource

UNKNOWN = "[unknown]"
SECRET = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


class Recorder:
    def __init__(self, on_register: Callable[[int], None] | None = None) -> None:
        self.on_register = on_register
        self.lock = threading.Lock()
        self.resources: dict[str, RecordedResource] = {}
        self.stack_urn = ""
        self.outputs: dict[str, Any] = {}
        self.local = threading.local()


class _CapturingMocks(pulumi.runtime.Mocks):
    """Delegates to the real mocks and remembers the deserialized inputs per thread."""

    def __init__(self, inner: pulumi.runtime.Mocks, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        self._recorder.local.inputs = args.inputs
        kept = getattr(self._recorder.local, "kept_name", None)
        if kept:
            # An aliased resource is the one it aliases: the engine keeps its state, so
            # its autonamed physical name and id are those of the old name, not new ones.
            args = pulumi.runtime.MockResourceArgs(
                args.typ, kept, args.inputs, args.provider, args.resource_id, args.custom
            )
        return self._inner.new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return self._inner.call(args)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks, recorder: Recorder) -> None:
        super().__init__(_CapturingMocks(mocks, recorder))
        self._recorder = recorder

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack out of its children's qualified types
        # (``...::aws:ec2/vpc:Vpc::vpc``); the SDK's mock monitor does not.
        if parent and parent.split("::")[2].split("$")[-1] == STACK_TYPE:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        rec = self._recorder
        if request.type == STACK_TYPE:
            response = super().RegisterResource(request)
            rec.stack_urn = response.urn
            return response
        request = self._transformed(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        with rec.lock:
            if urn in rec.resources:
                # The engine rejects this; the mock monitor would silently overwrite.
                raise ValueError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        rec.local.inputs = {}
        with rec.lock:
            parent = rec.resources.get(request.parent)
        aliases = self._alias_urns(request, parent)
        rec.local.kept_name = aliases[0].rsplit("::", 1)[1] if aliases else None
        response = super().RegisterResource(request)
        recorded = RecordedResource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent=request.parent or None,
            inputs=plain(rec.local.inputs),
            dependencies=sorted(set(request.dependencies)),
            custom=bool(request.custom),
            ignore_changes=list(request.ignoreChanges),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            replace_on_changes=sorted(request.replaceOnChanges),
            aliases=aliases,
            import_id=str(request.importId),
        )
        with rec.lock:
            rec.resources[response.urn] = recorded
            count = len(rec.resources)
        if rec.on_register is not None:
            rec.on_register(count)
        return response

    def _transformed(self, request: Any) -> Any:
        """The registration after the stack's transforms, as the engine would apply them.

        ``pulumi.runtime.register_resource_transform`` hands a transform to the engine,
        which calls it on every later registration with the wire-named properties and the
        options, and registers what it returns. The SDK's mock monitor only records them;
        apply them here (properties and the options the preview records).
        """
        if not self._stack_transforms:
            return request
        pulumi_mocks._ensure_event_loop()
        props = rpc.deserialize_properties(request.object)
        opts = pulumi.ResourceOptions(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
        )
        for transform in self._stack_transforms:
            args = pulumi.ResourceTransformArgs(
                bool(request.custom), request.type, request.name, props, opts
            )
            result = transform(args)
            if inspect.isawaitable(result):
                result = pulumi_mocks._sync_await(result)
            if result is not None:
                props = result.props if result.props is not None else props
                opts = result.opts if result.opts is not None else opts
        changed = type(request)()
        changed.CopyFrom(request)
        changed.object.CopyFrom(pulumi_mocks._sync_await(rpc.serialize_properties(props, {})))
        changed.protect = bool(opts.protect)
        changed.retainOnDelete = bool(opts.retain_on_delete)
        changed.deleteBeforeReplace = bool(opts.delete_before_replace)
        del changed.ignoreChanges[:]
        changed.ignoreChanges.extend(opts.ignore_changes or [])
        del changed.replaceOnChanges[:]
        changed.replaceOnChanges.extend(opts.replace_on_changes or [])
        return changed

    def _alias_urns(self, request: Any, parent: RecordedResource | None) -> list[str]:
        """The old URNs the engine would match this registration against.

        The SDK sends alias *specs* (the mock monitor supports them), so, like the engine
        (``pkg/resource/deploy``: ``generateAliases`` and ``inheritedChildAlias``), turn
        each into a URN and add one per parent alias: a child named ``<parent>-x`` under a
        parent once called ``old`` was ``old-x`` under the parent's old URN.
        """
        urns: set[str] = set()
        for alias in request.aliases:
            if alias.urn:
                urns.add(alias.urn)
                continue
            spec = alias.spec
            alias_parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urns.add(
                self.make_urn(alias_parent, spec.type or request.type, spec.name or request.name)
            )
        urns.update(request.aliasURNs)
        if parent is not None:
            for parent_alias in parent.aliases:
                old_parent_name = parent_alias.rsplit("::", 1)[1]
                name = request.name
                if name.startswith(parent.name):
                    name = old_parent_name + name[len(parent.name) :]
                urns.add(self.make_urn(parent_alias, request.type, name))
        return sorted(urns)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        rec = self._recorder
        if rec.stack_urn and request.urn == rec.stack_urn:
            rec.outputs = plain(rpc.deserialize_properties(request.outputs, keep_unknowns=True))
        return super().RegisterResourceOutputs(request)


def tree_order(resources: dict[str, RecordedResource], stack_urn: str) -> list[RecordedResource]:
    children: dict[str | None, list[RecordedResource]] = {}
    for res in resources.values():
        parent = res.parent if res.parent in resources else None
        children.setdefault(parent, []).append(res)
    ordered: list[RecordedResource] = []
    stack: list[RecordedResource] = sorted(
        children.get(None, []), key=lambda r: (r.name, r.type), reverse=True
    )
    while stack:
        res = stack.pop()
        ordered.append(res)
        stack.extend(
            sorted(children.get(res.urn, []), key=lambda r: (r.name, r.type), reverse=True)
        )
    return ordered


def plain(value: Any) -> Any:
    """Render deserialized property values as deterministic JSON-compatible data."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return SECRET
        return {str(k): plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, pulumi.FileAsset):
        return {"fileAsset": str(value.path)}
    if isinstance(value, pulumi.StringAsset):
        return {"stringAsset": value.text}
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    return repr(value)
