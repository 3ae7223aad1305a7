"""Layers in one direction: each package imports only from its own layer or the ones below.

Read from the installed package's sources: every `import` and `from ... import` of
footnote, at any depth (inside functions and TYPE_CHECKING blocks too), and every string
naming a footnote module (an importlib call), so nothing reaches up by name. The Pi side
(footnote.device) never imports the server side; the analysis decides and never speaks
(server.analysis imports no words, charts, exports or dashboard)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import footnote.device
import footnote.server

# Lowest first. A module may import its own package and any package of a lower layer.
LAYERS: list[set[str]] = [
    {"device.errors", "device.rules", "device.clock", "device.paths", "device.config"},
    {"device.db"},
    {"device.watch"},  # the watch's file: read, aligned, attached (issue 24)
    {"device.parts"},
    {"device.logger"},
    {"device.durability"},
    {"device.live", "device.demo", "device.check", "device.cli", "device"},
    {"server.analysis"},
    {"server.words"},
    {"server.charts", "server.analysis_cache"},
    {"server.exports"},
    {"server.dashboard"},
    {"server.commands", "server"},
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
# A command module (check, recover) may take the shared --db option from paths; nothing may
# import the command line itself except the command modules that register with it.
MODULE_NAME = re.compile(r"^footnote\.((?:device|server)(?:\.\w+)*)$")


def package_of(module: str) -> str:
    """device.db.store -> device.db; device.cli -> device.cli; server.commands -> server.commands."""
    parts = module.split(".")
    candidate = ".".join(parts[:2])
    return candidate if candidate in RANK else parts[0]


def sources() -> dict[str, Path]:
    found = {}
    for package in (footnote.device, footnote.server):
        root = Path(package.__file__).parent
        top = package.__name__.split(".")[1]
        for path in root.rglob("*.py"):
            parts = [top, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """The footnote modules a source file names (without the `footnote.` prefix)."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("footnote."):
            base = node.module[len("footnote.") :]
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            named.update(a.name[len("footnote.") :] for a in node.names if a.name.startswith("footnote."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (m := MODULE_NAME.match(node.value)):
            named.add(m.group(1))
    return named


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in sources() if package_of(m) not in RANK)
    assert not unplaced, f"give these a layer in LAYERS: {unplaced}"


def test_imports_go_down_the_layers_only():
    modules = sources()
    upward = []
    for module, path in sorted(modules.items()):
        mine = package_of(module)
        for named in imports_of(path):
            if named not in modules:  # a name imported from a module (from x import y), not a module
                continue
            theirs = package_of(named)
            if RANK[theirs] > RANK[mine]:
                upward.append(f"{module} -> {named}")
    assert not upward, "imports that reach up a layer:\n" + "\n".join(upward)


def test_the_pi_side_never_names_the_server_side():
    modules = sources()
    reaching = sorted(
        f"{module} -> {named}"
        for module, path in modules.items()
        if module.startswith("device")
        for named in imports_of(path)
        if named.startswith("server")
    )
    assert not reaching


def test_the_analysis_decides_and_never_speaks():
    modules = sources()
    speaking = sorted(
        f"{module} -> {named}"
        for module, path in modules.items()
        if package_of(module) == "server.analysis"
        for named in imports_of(path)
        if package_of(named) not in ("server.analysis",) and named.startswith("server")
    )
    assert not speaking
