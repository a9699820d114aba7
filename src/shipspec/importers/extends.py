"""``extends``: a service built on another service, in the same file or another one.

The base service is merged under the extending one with the same rules as an
override file, so the extending service's own settings win. Loops are an error, and
the locator learns that the inherited keys were written at the base service, so a
problem in one of them points there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..spec.yamlsource import YamlDocument
from .merge import merge
from .report import ImportFailed
from .shapes import mapping
from .sources import KeyPath, Where, strip

if TYPE_CHECKING:
    from .project import Locator

# Loads a compose file named relative to the project folder: (document, data).
Load = Callable[[Path, Where], tuple[YamlDocument, dict[str, Any]]]


def resolve_extends(
    name: str, services: dict[str, Any], load: Load, locator: Locator, chain: list[str]
) -> Any:
    """Service ``name`` with the service it ``extends`` merged under it, recursively."""
    service = services.get(name)
    if not isinstance(service, dict) or "extends" not in service:
        return service
    where = locator.where(("services", name, "extends"))
    spec = service["extends"]
    spec = {"service": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or not isinstance(spec.get("service"), str):
        raise ImportFailed([where.problem("must name a service: `extends: {service: base}`")])
    base_name, file = spec["service"], spec.get("file")
    if name in chain:
        raise ImportFailed(
            [where.problem(f"extends loops: {' -> '.join([*chain, name])}", code="extends-loop")]
        )
    if isinstance(file, str):
        doc, data = load(Path(where.file).parent / file, where)
        pool = mapping(data.get("services"))
        origin: tuple[YamlDocument | None, KeyPath] = (doc, ("services", base_name))
    else:
        pool, origin = services, (None, ("services", base_name))
    if base_name not in pool:
        raise ImportFailed(
            [
                where.problem(
                    f"extends service {base_name!r}, which is not defined", code="unknown-service"
                )
            ]
        )
    base = resolve_extends(base_name, pool, load, locator, [*chain, name])
    result = strip(copy.deepcopy(base)) if isinstance(base, dict) else {}
    own = {k: v for k, v in service.items() if k != "extends"}
    merge(result, own, ("services", name), lambda path: None)
    model = ("services", name)
    if origin[0] is not None:
        record = locator.recorder(origin[0], model, origin[1], keep=True)
    else:

        def record(path: KeyPath) -> None:
            source = locator.sources.get(origin[1] + path[len(model) :])
            if source and path not in locator.sources:
                locator.sources[path] = source

    merge({}, base if isinstance(base, dict) else {}, model, record)
    result.pop("extends", None)
    return result
