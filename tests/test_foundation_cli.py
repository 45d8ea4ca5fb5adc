"""The installed CLI and the purity of logic modules (the layout rule and import graph: test_layout.py)."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promptbot.cli import COMMANDS

BIN = Path(sys.executable).parent


@pytest.mark.graph
def test_help_from_installed_venv():
    exe = BIN / "promptbot"
    assert exe.is_file(), f"{exe} missing: run scripts/setup.sh"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for name in ["demo", "run", "plan", "transcribe", "bench", "collect", "train", "export", "up"]:
        assert name in out.stdout


@pytest.mark.graph
def test_help_does_not_import_heavy_modules():
    code = ("import sys; from promptbot.cli import build_parser; build_parser().format_help(); "
            "heavy = [m for m in ('torch', 'rclpy', 'pybullet') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.graph
def test_bench_lists_transport():
    out = subprocess.run([str(BIN / "promptbot"), "bench", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "transport" in out.stdout


# Logic packages that must never import rclpy (ROS is plumbing; the logic is pure).
# The layout rule and the import graph are in test_layout.py.
PURE = ["promptbot.scene", "promptbot.tasks", "promptbot.planning", "promptbot.sim", "promptbot.speech",
        "promptbot.perception", "promptbot.safety", "promptbot.policy", "promptbot.models",
        "promptbot.e2e.chains", "promptbot.e2e.report", "promptbot.graph", "promptbot.supervisor",
        "promptbot.devtools"]


def _pure_modules() -> list[str]:
    mods = []
    for pkg in PURE:
        spec = importlib.util.find_spec(pkg)
        if spec is None:
            continue
        mods.append(pkg)
        if spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                for path in sorted(Path(loc).rglob("*.py")):
                    rel = path.relative_to(loc).with_suffix("")
                    if rel.name == "__init__":
                        rel = rel.parent
                    if str(rel) != ".":
                        mods.append(pkg + "." + ".".join(rel.parts))
    return sorted(set(mods))


@pytest.mark.graph
@pytest.mark.parametrize("module", _pure_modules())
def test_logic_module_imports_no_rclpy(module):
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('rclpy', 'rcl_interfaces') "
            "or m.endswith('.msg') or m.endswith('.srv')]; print(bad)")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", f"{module} imports ROS: {out.stdout}"


@pytest.mark.graph
def test_every_command_has_a_module_or_says_so():
    for name, (module, _help) in COMMANDS.items():
        spec = importlib.util.find_spec(f"promptbot.cli.{module}")
        if spec is None:
            out = subprocess.run([str(BIN / "promptbot"), name], capture_output=True, text=True, timeout=60)
            assert out.returncode == 2 and "not available yet" in out.stderr


def test_the_main_job_runs_the_learned_policy_by_default():
    """Issue 21: `promptbot demo`, `promptbot run` and `bench e2e` execute skills with the VLA policy node (through
    the safety governor); the scripted expert, which reads simulator truth, is a baseline one asks for."""
    import argparse

    from promptbot.bench import e2e
    from promptbot.cli import demo, run_task
    from promptbot.e2e.runner import DEFAULT_EXECUTOR, RunOptions

    assert DEFAULT_EXECUTOR == "vla" and RunOptions().executor == "vla"
    for module, argv in ((demo, []), (run_task, ["--text", "put the red cube in the blue bowl"]), (e2e, [])):
        p = argparse.ArgumentParser()
        module.add_arguments(p)
        assert p.parse_args(argv).executor == "vla", module.__name__
        assert p.parse_args([*argv, "--executor", "expert"]).executor == "expert"
