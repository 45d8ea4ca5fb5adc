"""The written layout rule, the import mapping and the import graph.

The rule (docs/layout.md): the top-level folders that the design names hold
those parts and stay where they are; ``nodes/``, ``planning/``, ``models/`` and
``sim_worlds/`` are the subpackages ``promptbot.nodes`` ... (``promptbot.MAPPED_FOLDERS``),
``msgs/`` is the promptbot_msgs package and ``launch/`` holds launch files. Everything
else that is importable lives under ``promptbot/``. ``tests/`` and ``scripts/`` are not
packages of promptbot.

The mapping is checked in three set-ups that must give the same imports: the pip
(editable) install of the venv, a source tree without pip's mapping (the repository
root or colcon's build folder on ``sys.path``), and a real ``colcon build
--symlink-install`` where colcon is installed.

The import graph (``python -m promptbot.devtools.imports``) counts module-level and
function-level imports; see that module for the exact rules.
"""
from __future__ import annotations

import filecmp
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import promptbot
from promptbot.devtools import imports as graph

ROOT = Path(__file__).resolve().parents[1]
MAPPED = tuple(promptbot.MAPPED_FOLDERS)

# Where the design's parts live; everything else importable is under promptbot/.
DESIGN_FOLDERS = {"nodes", "planning", "models", "sim_worlds", "msgs", "launch"}
NOT_PACKAGES = {"tests", "scripts"}              # Python that is not part of promptbot
# Git-ignored build and run outputs (.gitignore), never part of the layout.
IGNORED = {"build", "install", "log", "runs", "data", "logs"}

# name -> the file it must resolve to, relative to the source root
MUST_RESOLVE = {
    "promptbot.nodes.planner_node": "nodes/planner_node.py",
    "promptbot.planning.mcts": "planning/mcts.py",
    "promptbot.models.vla": "models/vla.py",
    "promptbot.sim_worlds": "sim_worlds/__init__.py",
    "promptbot.bench.e2e": "promptbot/bench/e2e.py",
}
MUST_NOT_RESOLVE = ["promptbot.setup", "promptbot.tests", "promptbot.build", "promptbot.launch",
                    "promptbot.msgs", "promptbot.scripts", "promptbot.docs"]


def _top_level_python() -> dict[str, list[Path]]:
    """Top-level folder -> its .py files (hidden and git-ignored folders left out)."""
    out: dict[str, list[Path]] = {}
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "__")) or folder.name in IGNORED or folder.name.endswith(".egg-info"):
            continue
        files = [f for f in folder.rglob("*.py") if "__pycache__" not in f.parts]
        if files:
            out[folder.name] = files
    return out


# ---------------------------------------------------------------- (a) the layout rule
def test_importable_python_lives_only_in_the_named_folders():
    python = _top_level_python()
    assert set(python) <= {*MAPPED, "promptbot", *NOT_PACKAGES, "launch"}, (
        f"Python outside the layout: {sorted(set(python) - {*MAPPED, 'promptbot', *NOT_PACKAGES, 'launch'})}; "
        "importable code goes under promptbot/")
    for name in (*MAPPED, "promptbot"):
        assert (ROOT / name / "__init__.py").is_file(), f"{name}/ must be a package"
    for name in NOT_PACKAGES:
        assert not (ROOT / name / "__init__.py").exists(), f"{name}/ must not be a package"
    assert all(f.name.endswith(".launch.py") and f.parent == ROOT / "launch" for f in python.get("launch", [])), (
        "launch/ holds launch files only")
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["setup.py"]


def test_the_design_folders_stay_at_the_top():
    for name in sorted(DESIGN_FOLDERS):
        assert (ROOT / name).is_dir(), f"{name}/ is named by the design and stays at the top"
    assert set(MAPPED) == DESIGN_FOLDERS - {"msgs", "launch"}
    assert (ROOT / "msgs" / "package.xml").is_file()
    assert {p.suffix for p in (ROOT / "launch").iterdir() if p.is_file()} <= {".py", ".yaml"}


def test_setup_py_maps_exactly_the_named_folders(monkeypatch):
    """setup.py reads MAPPED_FOLDERS from promptbot/__init__.py: one list for both mechanisms."""
    import runpy

    import setuptools

    captured = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kw: captured.update(kw))
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    package_dir, packages = captured["package_dir"], captured["packages"]
    # only the mapped folders are remapped; an identity entry ("promptbot": "promptbot")
    # makes colcon's --symlink-install refuse the package
    assert {name.split(".")[1] for name in package_dir} == set(MAPPED)
    for name, folder in package_dir.items():
        assert folder == name.split(".", 1)[1].replace(".", "/"), (name, folder)
    below = {".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "promptbot").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    assert set(packages) == set(package_dir) | below
    assert not any(p.split(".")[0] != "promptbot" for p in packages)


def test_subpackages_map_to_top_level_folders():
    for name in MAPPED:
        mod = importlib.import_module(f"promptbot.{name}")
        assert Path(mod.__file__).resolve().parent == ROOT / name
    bench = importlib.import_module("promptbot.bench")
    assert Path(bench.__file__).resolve().parent == ROOT / "promptbot" / "bench"


# ---------------------------------------------------------------- (b) only the named folders resolve
def test_only_the_named_folders_resolve_as_promptbot_modules():
    for name in MUST_NOT_RESOLVE:
        assert importlib.util.find_spec(name) is None, f"{name} resolves; only {MAPPED} are mapped"
    for name, rel in MUST_RESOLVE.items():
        spec = importlib.util.find_spec(name)
        assert spec is not None and Path(spec.origin).resolve() == ROOT / rel, name


# ---------------------------------------------------------------- (c) the same imports in every set-up
# Run in a fresh interpreter: prints {name: origin or None} and the finders in use.
_PROBE = """
import importlib, importlib.util, json, sys
names = json.loads(sys.argv[1])
for path in json.loads(sys.argv[2]):
    sys.path.append(path)      # the venv's packages, without its .pth files (no pip mapping)
out = {n: getattr(importlib.util.find_spec(n), "origin", None) for n in names}
importlib.import_module("promptbot.planning.mcts")     # a real import, not only a lookup
print(json.dumps({"origins": out, "finders": [type(f).__name__ for f in sys.meta_path],
                  "promptbot": importlib.import_module("promptbot").__file__}))
"""
NAMES = [*MUST_RESOLVE, *MUST_NOT_RESOLVE]


def _probe(python_args: list[str], pythonpath: list[Path] = (), cwd: Path | None = None,
           shell_prefix: str = "") -> dict:
    """Resolve NAMES in a fresh interpreter; ``-S`` set-ups get the venv's packages without .pth files."""
    site = [sysconfig.get_paths()["purelib"]] if "-S" in python_args else []
    argv = [sys.executable, *python_args, "-c", _PROBE, json.dumps(NAMES), json.dumps(site)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    if shell_prefix:     # e.g. ". install/setup.sh": colcon's environment, then the probe
        argv = ["bash", "-c", f'{shell_prefix} && exec "$@"', "probe", *argv]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _assert_same_imports(result: dict, source: Path, installed: Path | None = None) -> None:
    """Each name resolves to the same file as in the source tree; the others do not resolve."""
    origins = result["origins"]
    for name in MUST_NOT_RESOLVE:
        assert origins[name] is None, f"{name} resolves to {origins[name]}"
    for name, rel in MUST_RESOLVE.items():
        origin = origins[name]
        assert origin is not None, f"{name} does not resolve"
        origin = Path(origin).resolve()
        if installed is not None and installed in origin.parents:     # a copy in site-packages
            folder, _, rest = rel.partition("/")
            assert origin == installed / "promptbot" / (rest if folder == "promptbot" else rel), name
            assert filecmp.cmp(origin, source / rel, shallow=False), name
        else:
            assert origin == source / rel, f"{name}: {origin} is not {source / rel}"


@pytest.mark.graph
def test_pip_editable_install_gives_the_mapping(tmp_path):
    result = _probe([], cwd=tmp_path)
    _assert_same_imports(result, ROOT)
    assert "_SourceTreeFinder" not in result["finders"], "pip's mapping is there: the source-tree finder stays out"


@pytest.mark.graph
def test_source_tree_without_pip_gives_the_same_imports(tmp_path):
    """The repository root on sys.path, no pip mapping (-S: no .pth files): promptbot maps the folders itself."""
    result = _probe(["-S"], pythonpath=[ROOT], cwd=tmp_path)
    assert Path(result["promptbot"]).resolve() == ROOT / "promptbot" / "__init__.py"
    assert "_SourceTreeFinder" in result["finders"]
    _assert_same_imports(result, ROOT)


@pytest.mark.graph
def test_colcon_style_build_folder_gives_the_same_imports(tmp_path):
    """What ``colcon build --symlink-install`` (setup.py develop) puts on PYTHONPATH.

    Its build folder links setup.py, setup.cfg and the top-level package promptbot/
    only (colcon's ``_symlinks_in_build``); the mapped folders are found beside the
    link's target.
    """
    build = tmp_path / "build" / "promptbot"
    build.mkdir(parents=True)
    for name in ("setup.py", "setup.cfg", "promptbot"):
        (build / name).symlink_to(ROOT / name)
    result = _probe(["-S"], pythonpath=[build], cwd=tmp_path)
    assert Path(result["promptbot"]) == build / "promptbot" / "__init__.py"
    _assert_same_imports(result, ROOT)


def _colcon() -> list[str] | None:
    if importlib.util.find_spec("colcon_core") is not None:
        return [sys.executable, "-m", "colcon"]
    exe = shutil.which("colcon")
    return [exe] if exe else None


@pytest.mark.graph
@pytest.mark.slow       # copies the source tree and runs a colcon build (seconds to a minute)
@pytest.mark.skipif(_colcon() is None, reason="colcon is not installed (not in requirements/); "
                    "pip install colcon-common-extensions to run this test")
def test_colcon_symlink_install_gives_the_same_imports(tmp_path):
    src = tmp_path / "src" / "promptbot"
    def ignore(folder, names):     # hidden folders, caches, and the git-ignored outputs at the top
        return {n for n in names if n.startswith(".") or n == "__pycache__" or n.endswith(".egg-info")
                or (Path(folder) == ROOT and n in IGNORED)}

    shutil.copytree(ROOT, src, symlinks=True, ignore=ignore)
    build = subprocess.run([*_colcon(), "build", "--symlink-install", "--base-paths", "src",
                            "--packages-select", "promptbot"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    # colcon links the sources (setup.py develop) where setuptools still offers it, and
    # installs a copy otherwise (setuptools >= 80): both must give the same imports
    installed = tmp_path / "install" / "promptbot" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
        / "site-packages"
    result = _probe(["-S"], cwd=tmp_path, shell_prefix=". install/setup.sh")
    _assert_same_imports(result, src, installed)


# ---------------------------------------------------------------- (d) no cycles, no upward imports
def test_no_import_cycles_no_upward_imports_no_stale_imports():
    """Module-level AND function-level imports count (promptbot.devtools.imports says how)."""
    report = graph.check(ROOT)
    assert len(report.modules) > 100 and any(imp.deferred for imp in report.imports)
    assert report.ok, graph.format_report(report, ROOT)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_finds_cycles_and_upward_imports(tmp_path):
    root = _tree(tmp_path, {
        "promptbot/__init__.py": "",
        "promptbot/a.py": "from promptbot import b\n",
        "promptbot/b.py": "def f():\n    from promptbot.a import x\n",          # function-level closes a <-> b
        "promptbot/c.py": "from . import d\n",                                  # relative import
        "promptbot/d.py": "import promptbot.pkg.inner\n",
        "promptbot/pkg/__init__.py": "from promptbot.c import y\n",             # through a package __init__
        "promptbot/pkg/inner.py": "",
        "promptbot/e.py": "def g():\n    import promptbot.cli.tool\n",          # core -> CLI
        "promptbot/cli/__init__.py": "",
        "promptbot/cli/tool.py": "from promptbot.nodes import n\n",             # top -> top: fine
        "nodes/__init__.py": "",
        "nodes/n.py": "from promptbot.pkg.inner import k\n",                    # top -> core: fine
        "nodes/old.py": "def f():\n    from promptbot.moved import k\n",        # a module that is gone
    })
    report = graph.check(root)
    assert "promptbot.nodes.n" in report.modules and "promptbot.pkg" in report.modules
    assert report.cycles == [["promptbot.a", "promptbot.b"], ["promptbot.c", "promptbot.d", "promptbot.pkg"]]
    assert [(v.source, v.target, v.deferred) for v in report.violations] == [
        ("promptbot.e", "promptbot.cli.tool", True)]
    assert [(v.source, v.target, v.line) for v in report.unresolved] == [("promptbot.nodes.old", "promptbot.moved", 2)]
    assert not report.ok
    text = graph.format_report(report, root)
    assert "promptbot/b.py:2 (in a function)" in text and "nodes/old.py:2" in text
    assert text.endswith("2 cycle(s), 1 upward import(s), 1 import(s) of missing modules")


def test_a_function_level_import_does_not_run_the_package_init(tmp_path):
    """Only a module-level import counts the packages on the way (they run at import time)."""
    root = _tree(tmp_path, {
        "promptbot/__init__.py": "",
        "promptbot/pkg/__init__.py": "from promptbot.user import z\n",
        "promptbot/pkg/leaf.py": "",
        "promptbot/user.py": "def h():\n    from promptbot.pkg.leaf import q\n",
    })
    report = graph.check(root)
    assert report.ok, graph.format_report(report, root)
    assert {(i.source, i.target) for i in report.imports} == {
        ("promptbot.pkg", "promptbot.user"), ("promptbot.user", "promptbot.pkg.leaf")}


def test_the_checker_command_exits_zero_on_this_tree(capsys):
    assert graph.main(["--root", str(ROOT)]) == 0
    assert capsys.readouterr().out.strip().endswith("0 cycle(s), 0 upward import(s), 0 import(s) of missing modules")
