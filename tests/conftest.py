"""Shared pytest fixtures.

- ``ros_env``: environment dict with a fresh ROS_DOMAIN_ID, localhost discovery and
  the shipped DDS profile. Pass it to subprocess nodes.
- ``ros_node``: an in-process rclpy node on that same domain, spun in a background
  executor thread; shut down after the test.
- ``spawn``: start ``NodeProcess``es that are always stopped after the test; on
  failure their logs are printed.
"""
from __future__ import annotations

import os
import threading

import pytest

from promptbot.testing import NodeProcess, isolated_env


@pytest.fixture
def ros_env() -> dict:
    return isolated_env()


@pytest.fixture
def ros_node(ros_env):
    import rclpy
    from rclpy.executors import MultiThreadedExecutor

    context = rclpy.Context()
    # the in-process node must see the same DDS settings as the subprocesses
    for var in ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE", "ROS_AUTOMATIC_DISCOVERY_RANGE"):
        os.environ[var] = ros_env[var]
    rclpy.init(context=context, domain_id=int(ros_env["ROS_DOMAIN_ID"]))
    node = rclpy.create_node(f"test_node_{os.getpid()}", context=context)
    executor = MultiThreadedExecutor(num_threads=2, context=context)
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    try:
        yield node
    finally:
        executor.shutdown(timeout_sec=2.0)
        node.destroy_node()
        rclpy.try_shutdown(context=context)
        thread.join(timeout=2.0)


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
