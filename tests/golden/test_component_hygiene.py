"""Only the components a stack uses are written to ``infra/components/``."""

from __future__ import annotations

import ast
from pathlib import Path

import shipspec
from tests.conftest import EXAMPLES

MINIMAL = EXAMPLES / "minimal.yaml"
COMPONENTS = "infra/components/"


def _components(model: shipspec.DeploymentModel) -> dict[str, str]:
    return {
        path.removeprefix(COMPONENTS): text
        for path, text in shipspec.render(model)
        if path.startswith(COMPONENTS)
    }


def _relative_imports(text: str) -> set[str]:
    return {
        node.module or alias.name
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }


def test_a_web_only_stack_gets_no_datastore_components() -> None:
    """Version 1 copied database.py, queue.py, ... into every stack."""
    files = _components(shipspec.plan(shipspec.load(MINIMAL)))
    for unused in ("database.py", "cache.py", "queue.py", "worker_service.py", "secret.py"):
        assert unused not in files
    init = files["__init__.py"]
    assert _relative_imports(init) == {"load_balancer", "monitoring", "network", "web_service"}
    assert "from .web_service import WebService" in init
    assert '"WebService",' in init and "Database" not in init


def test_every_written_component_module_has_its_imports_written() -> None:
    for name in ("minimal", "webapp", "shop", "full"):
        files = _components(shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml")))
        for module, text in files.items():
            for imported in _relative_imports(text):
                assert f"{imported}.py" in files, f"{name}: {module} imports missing {imported}"


def test_the_program_imports_exactly_the_exported_classes() -> None:
    files = dict(shipspec.render(shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"))))
    program = ast.parse(files["infra/__main__.py"])
    imported = {
        alias.name
        for node in program.body
        if isinstance(node, ast.ImportFrom) and node.module == "components"
        for alias in node.names
    }
    exported = ast.parse(files[COMPONENTS + "__init__.py"])
    (names,) = [
        node.value
        for node in exported.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__"  # type: ignore[attr-defined]
    ]
    assert imported == {ast.literal_eval(e) for e in names.elts}  # type: ignore[attr-defined]


def test_regenerating_a_smaller_stack_deletes_the_stale_components(tmp_path: Path) -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    shipspec.generate(full, tmp_path)
    assert (tmp_path / COMPONENTS / "database.py").exists()
    minimal = shipspec.plan(shipspec.load(MINIMAL))
    shipspec.generate(minimal, tmp_path, force=True)
    assert not (tmp_path / COMPONENTS / "database.py").exists()
    assert (tmp_path / COMPONENTS / "web_service.py").exists()


def test_a_user_blueprint_component_is_followed(tmp_path: Path) -> None:
    """A user's override of a component decides which helpers it needs."""
    source = (
        Path(shipspec.__file__).parents[2] / "blueprints/pulumi/infra/components/network.py"
    ).read_text(encoding="utf-8")
    override = tmp_path / "pulumi/infra/components/network.py"
    override.parent.mkdir(parents=True)
    override.write_text(source + "\nfrom . import queue  # noqa: E402,F401\n", encoding="utf-8")
    model = shipspec.plan(shipspec.load(MINIMAL))
    files = {
        path.removeprefix(COMPONENTS): text
        for path, text in shipspec.render(model, blueprints=tmp_path)
        if path.startswith(COMPONENTS)
    }
    # queue.py is not in a web-only stack, unless the user's network imports it.
    assert "queue.py" in files and "from . import queue" in files["network.py"]


def test_a_users_own_component_module_is_kept(tmp_path: Path) -> None:
    """A module only the user's blueprint folder has may be imported by hand: keep it."""
    own = tmp_path / "pulumi/infra/components"
    own.mkdir(parents=True)
    (own / "extra.py").write_text("from ._iam import service_role  # noqa: F401\n")
    model = shipspec.plan(shipspec.load(MINIMAL))
    paths = {path for path, _ in shipspec.render(model, blueprints=tmp_path)}
    assert COMPONENTS + "extra.py" in paths and COMPONENTS + "_iam.py" in paths
    assert COMPONENTS + "database.py" not in paths
