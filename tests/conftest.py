"""Shared pytest fixtures, the test tiers and the Hypothesis profile.

Tiers (markers, registered in pytest.ini, applied here at collection):

- ``graph``: the test starts processes (node subprocesses, the CLI, ``python -c`` checks) or an
  in-process ROS graph (``rclpy.init``). Applied automatically to every test that uses one of
  the graph fixtures below (directly or through another fixture); a test file that starts
  processes by other means says so with ``pytestmark = pytest.mark.graph``.
- ``unit``: everything else (in-process, no ROS middleware). Applied to every test that is
  not ``graph``. A ``unit`` test that starts a Python/ROS process or calls ``rclpy.init``
  fails with a message that says to mark it ``graph``, so a test cannot sit in the wrong tier.
- ``slow``: a test that is slow for a reason (named where it is marked); orthogonal to the two.

``make test-unit`` runs ``unit and not slow``; ``make test`` runs everything.

Hypothesis runs derandomised (profile ``promptbot``, loaded always): the same examples on
every run and machine, so a CI failure reproduces locally. ``HYPOTHESIS_PROFILE=explore``
draws fresh random examples for a local fuzzing session.

Fixtures:

- ``ros_env``: environment dict with a fresh ROS_DOMAIN_ID, localhost discovery and
  the shipped DDS profile. Pass it to subprocess nodes.
- ``ros_node``: an in-process rclpy node on that same domain, spun in a background
  executor thread; shut down after the test.
- ``spawn``: start ``NodeProcess``es that are always stopped after the test; on
  failure their logs are printed.
"""
from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from promptbot.testing import NodeProcess, isolated_env

# Fixtures that start a ROS graph or node processes: a test using any of them is ``graph``.
GRAPH_FIXTURES = frozenset({"ros_env", "ros_node", "spawn"})

hypothesis_settings.register_profile("promptbot", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "promptbot"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("graph") is None and GRAPH_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.graph)
        if item.get_closest_marker("graph") is None:
            item.add_marker(pytest.mark.unit)


# ---------------------------------------------------------------- the unit tier stays in-process
_PROCESS_NAMES = re.compile(r"(python[0-9.]*|promptbot|ros2|colcon)")


def _starts_a_node_or_cli(args) -> bool:
    """True for a command line that runs Python, the promptbot CLI or ROS tools (also behind a
    wrapper such as ``sh -c``, ``nice`` or ``ip netns exec``).

    External helper tools (espeak-ng, sox, ffmpeg, ldconfig) are not counted: they are
    deterministic, short and part of what a unit test may use.
    """
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    words = []
    for a in argv:
        try:
            words += shlex.split(os.fsdecode(a))
        except ValueError:
            words += os.fsdecode(a).split()
    words = [w for word in words for w in word.split()]          # the command line inside ``sh -c "..."``
    return any(w == sys.executable or _PROCESS_NAMES.fullmatch(Path(w).name) for w in words)


@contextlib.contextmanager
def _stays_in_process(item):
    """While a unit test (and any fixture it sets up, of any scope) runs: no Python/ROS process, no rclpy.init."""
    if item.get_closest_marker("unit") is None:
        yield
        return
    where = item.nodeid
    popen_init = subprocess.Popen.__init__

    def guarded_popen(self, args, *a, **kw):
        if _starts_a_node_or_cli(args):
            raise RuntimeError(f"{where} is a unit test but starts a process ({args!r:.200}): "
                               "mark it graph (pytestmark = pytest.mark.graph, or use the spawn fixture)")
        popen_init(self, args, *a, **kw)

    def guarded_init(*a, **kw):
        raise RuntimeError(f"{where} is a unit test but starts a ROS context (rclpy.init): mark it graph")

    rclpy = sys.modules.get("rclpy")
    rclpy_init = getattr(rclpy, "init", None)
    subprocess.Popen.__init__ = guarded_popen
    if rclpy is not None:
        rclpy.init = guarded_init
    try:
        yield
    finally:
        subprocess.Popen.__init__ = popen_init
        if rclpy is not None:
            rclpy.init = rclpy_init


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with _stays_in_process(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _stays_in_process(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _stays_in_process(item):
        return (yield)


# ---------------------------------------------------------------- graph fixtures
@pytest.fixture
def ros_env() -> dict:
    return isolated_env()


@pytest.fixture
def ros_node(ros_env):
    from promptbot.ros.harness import InProcessNode

    with InProcessNode(ros_env, f"test_node_{os.getpid()}") as node:
        yield node


def _remove_stale_dds_segments() -> None:
    """Delete Fast DDS shared-memory files that no live process maps or holds open.

    Node processes killed by fault-injection tests leave their segments behind; later graphs
    then lost or delayed images over shared memory (a policy test saw stale camera frames).
    """
    import glob

    stale = set(glob.glob("/dev/shm/fastrtps_*")) | set(glob.glob("/dev/shm/sem.fastrtps_*"))
    if not stale:
        return
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/maps") as f:
                stale -= {ln.split()[-1] for ln in f if "/dev/shm/" in ln}
            for fd in os.listdir(f"/proc/{pid}/fd"):
                stale.discard(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    for path in stale:
        try:
            os.unlink(path)
        except OSError:
            pass


@pytest.fixture
def spawn(ros_env, request):
    _remove_stale_dds_segments()
    procs: list[NodeProcess] = []

    def _spawn(module: str, *args: str, env: dict | None = None, name: str | None = None) -> NodeProcess:
        proc = NodeProcess(module, args, env=env or ros_env, name=name).start()
        procs.append(proc)
        return proc

    yield _spawn
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for proc in procs:
        proc.stop()
        if failed:
            print(f"\n----- log of {proc.name} ({proc.log_path}) -----\n{proc.output()[-4000:]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
