"""Graph description, launch files and the pip-only runner agree; the supervisor respawns and stops."""
from __future__ import annotations

import ast
import sys
import time
import types
from pathlib import Path

import pytest

from promptbot.graph import GraphError, graph_names, load_graph
from promptbot.supervisor import ProcSpec, Supervisor, node_processes
from promptbot.testing import wait_for

ROOT = Path(__file__).resolve().parents[1]


def test_graph_description_is_consistent():
    assert {"sim", "robot"} <= set(graph_names())
    sim = load_graph("sim")
    robot = load_graph("robot")
    assert [n.name for n in sim] == ["sim", *[n.name for n in robot]]
    assert all(n.sim_time for n in sim if n.name != "sim")
    assert not next(n for n in sim if n.name == "sim").sim_time
    assert not any(n.sim_time for n in robot)
    for node in sim:
        assert node.params.parent == ROOT / "config"
        args = node.ros_args({"world": "clutter"})
        assert args[:3] == ["--ros-args", "-r", f"__node:={node.name}_node"]
        assert "world:=clutter" in args


def test_graph_errors_are_clear(tmp_path):
    with pytest.raises(GraphError, match="unknown graph 'mars'"):
        load_graph("mars")
    bad = tmp_path / "graph.yaml"
    bad.write_text("nodes: {a: {params: x.yaml}}\ngraphs: {g: {nodes: [a]}}\n")
    with pytest.raises(GraphError, match="no entry with an executable"):
        load_graph("g", bad)
    bad.write_text("[not, a, mapping")
    with pytest.raises(GraphError, match="cannot read"):
        load_graph("g", bad)


def _fake_launch_modules(recorded: list):
    """Minimal stand-ins for the ROS `launch`/`launch_ros` packages (no wheels exist) that record
    what a launch file declares; the real packages are used under `ros2 launch` on a ROS install."""
    def record(kind):
        def ctor(*args, **kwargs):
            recorded.append((kind, args, kwargs))
            return (kind, args, kwargs)
        return ctor

    launch = types.ModuleType("launch")
    launch.LaunchDescription = lambda actions: list(actions)
    actions = types.ModuleType("launch.actions")
    actions.DeclareLaunchArgument = record("arg")
    actions.SetEnvironmentVariable = record("env")
    subst = types.ModuleType("launch.substitutions")
    subst.LaunchConfiguration = lambda name: f"$({name})"
    launch_ros = types.ModuleType("launch_ros")
    ros_actions = types.ModuleType("launch_ros.actions")
    ros_actions.Node = record("node")
    ament = types.ModuleType("ament_index_python.packages")
    ament.get_package_share_directory = lambda pkg: str(ROOT)
    return {"launch": launch, "launch.actions": actions, "launch.substitutions": subst,
            "launch_ros": launch_ros, "launch_ros.actions": ros_actions,
            "ament_index_python.packages": ament}


@pytest.mark.parametrize("graph", ["sim", "robot", "speech"])
def test_launch_file_matches_runner(graph, monkeypatch):
    path = ROOT / "launch" / f"{graph}.launch.py"
    ast.parse(path.read_text())  # parses
    recorded: list = []
    for name, mod in _fake_launch_modules(recorded).items():
        monkeypatch.setitem(sys.modules, name, mod)
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    namespace["generate_launch_description"]()
    nodes = [kw for kind, _, kw in recorded if kind == "node"]
    specs = load_graph(graph)
    assert [n["executable"] for n in nodes] == [s.executable for s in specs]
    for kw, spec in zip(nodes, specs):
        assert kw["package"] == "promptbot"
        assert kw["respawn"] is True and kw["respawn_delay"] == spec.respawn_delay
        param_file = Path(kw["parameters"][0])
        assert param_file == spec.params
        assert kw["parameters"][1] == {"use_sim_time": spec.sim_time}
    envs = {args[0] for kind, args, _ in recorded if kind == "env"}
    assert envs == {"FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE"}
    # the runner starts the same executables with the same parameter files
    runner_specs, missing = node_processes(graph)
    started = [s.name for s in runner_specs] + missing
    assert sorted(started) == sorted(s.name for s in specs)
    for ps in runner_specs:
        spec = next(s for s in specs if s.name == ps.name)
        assert ps.argv[2] == spec.module
        if spec.params.is_file():
            assert str(spec.params) in ps.argv


def test_existing_nodes_have_parameter_files():
    for spec in load_graph("sim"):
        if (ROOT / "nodes" / f"{spec.executable}.py").is_file():
            assert spec.params.is_file(), f"{spec.executable} exists but {spec.params} does not"


@pytest.mark.graph
def test_supervisor_respawns_and_stops(tmp_path):
    sleeper = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.1)"]
    once = [sys.executable, "-c", "print('done')"]
    sup = Supervisor([ProcSpec("worker", sleeper, {}, respawn=True, respawn_delay=0.1),
                      ProcSpec("oneshot", once, {}, respawn=False)], tmp_path)
    sup.start()
    events: list[str] = []

    def respawned(old_pid) -> bool:
        events.extend(sup.poll())
        return sup.alive("worker") and sup.pid("worker") != old_pid
    try:
        wait_for(lambda: sup.alive("worker"), 5.0, what="worker start")
        first = sup.pid("worker")
        sup.kill("worker")
        wait_for(lambda: respawned(first), 10.0, what="respawn")
        assert sup.starts("worker") == 2
        # a counted window: the one-shot node has exited, and since then the supervisor has respawned
        # the worker once more (after its respawn delay); the one-shot node was not restarted meanwhile
        wait_for(lambda: events.extend(sup.poll()) or any(e.startswith("oneshot exited") for e in events), 10.0,
                 what="the one-shot node's exit")
        second = sup.pid("worker")
        sup.kill("worker")
        wait_for(lambda: respawned(second), 10.0, what="second respawn")
        assert sup.starts("worker") == 3
        assert sup.starts("oneshot") == 1 and not sup.alive("oneshot")
    finally:
        codes = sup.stop(timeout=3.0)
    assert codes["worker"] is not None
    assert "start #2" in (tmp_path / "worker.log").read_text()
    assert "done" in (tmp_path / "oneshot.log").read_text()


@pytest.mark.graph
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_nodes_die_with_a_killed_supervisor(tmp_path):
    """A supervisor killed outright (a test timeout, the OOM killer) takes its nodes with it."""
    import os
    import signal
    import subprocess

    pid_file = tmp_path / "child.pid"
    child = tmp_path / "child.py"
    child.write_text(f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n")
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from promptbot.supervisor import ProcSpec, Supervisor\n"
        f"spec = ProcSpec('sleeper', [sys.executable, {str(child)!r}], dict(os.environ))\n"
        f"Supervisor([spec], {str(tmp_path / 'logs')!r}).start()\n"
        "time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, str(script)])
    try:
        wait_for(lambda: pid_file.is_file() and pid_file.read_text().strip(), 30.0, what="the node to start")
        child = int(pid_file.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)

        def gone() -> bool:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{child}/stat") as f:          # a zombie waiting for init to reap it is gone too
                return f.read().split(")")[-1].split()[0] == "Z"
        wait_for(gone, 10.0, what="the node to die with its supervisor")
    finally:
        if parent.poll() is None:
            parent.kill()


def test_ready_watchdog_names_a_start_never_reachable_and_a_hang_once():
    from promptbot.supervisor import ReadyWatchdog

    w = ReadyWatchdog(start_limit_s=30.0, hang_limit_s=20.0)
    assert w.overdue("vla", 5, 100.0, False, 120.0) is None           # no answer yet: still starting
    assert "after its start #5" in w.overdue("vla", 5, 100.0, False, 131.0)   # 31 s, never answered
    assert w.overdue("vla", 5, 100.0, False, 200.0) is None           # reported once per start
    assert w.overdue("vla", 6, 200.0, False, 210.0) is None           # its respawn gets its own 30 s
    assert w.overdue("vla", 6, 200.0, True, 215.0) is None
    assert w.overdue("vla", 6, 200.0, False, 230.0) is None           # 15 s without an answer: busy, stopped
    assert "hung" in w.overdue("vla", 6, 200.0, False, 236.0)         # 21 s without
    assert w.overdue("vla", 6, 200.0, False, 300.0) is None           # once per hang
    assert w.overdue("vla", 6, 200.0, True, 301.0) is None            # back: a new hang counts again
    assert "hung" in w.overdue("vla", 6, 200.0, False, 322.0)
    assert w.overdue("planner", 1, None, False, 1e6) is None          # no start time known
    assert w.overdue("speech", 1, 0.0, True, 1e4) is None             # answers (ready or "loading"): alive
    with pytest.raises(ValueError):
        ReadyWatchdog(0.0)


@pytest.mark.graph
def test_supervisor_kills_a_start_that_never_answers_ready(tmp_path):
    """A node that runs but never answers its probe is killed once its limit passes, and respawned."""
    from promptbot.supervisor import ReadyWatchdog

    sleeper = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.1)"]
    sup = Supervisor([ProcSpec("mute", sleeper, {}, respawn=True, respawn_delay=0.1),
                      ProcSpec("fine", sleeper, {}, respawn=True, respawn_delay=0.1)], tmp_path)
    watchdog = ReadyWatchdog(start_limit_s=0.5)
    sup.start()
    try:
        wait_for(lambda: sup.alive("mute") and sup.alive("fine"), 5.0, what="start")
        first = sup.pid("mute")
        assert sup.restart_unready(watchdog, {"mute": False, "fine": True}) == []      # not yet
        time.sleep(0.6)
        events = sup.restart_unready(watchdog, {"mute": False, "fine": True, "other": False})
        assert len(events) == 1 and events[0].startswith("mute has not answered its health probe")
        wait_for(lambda: sup.poll() is not None and sup.alive("mute") and sup.pid("mute") != first, 10.0,
                 what="respawn")
        assert sup.starts("mute") == 2 and sup.starts("fine") == 1
    finally:
        sup.stop(timeout=3.0)
