"""Helpers for ROS graph tests and benchmarks: isolated domains, node subprocesses, waiting.

No rclpy import here (the in-process rclpy side, shared by tests and benchmarks, is
:mod:`promptbot.ros.harness`). Every test gets its own ``ROS_DOMAIN_ID`` with discovery
limited to localhost, nodes run as real subprocesses whose output goes to a
log file, and every process is stopped (SIGINT, then SIGKILL) on exit.
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from promptbot.ros.env import graph_env

# Domain ids 1..100 (all map to valid ports). Spread by pid so two test runs
# on one machine rarely collide; a counter keeps ids unique inside one run.
_DOMAIN_SPAN = 100
_counter = itertools.count()


def fresh_domain_id() -> int:
    return 1 + (os.getpid() * 7 + next(_counter)) % _DOMAIN_SPAN


def isolated_env(domain_id: int | None = None) -> dict[str, str]:
    """Environment for an isolated local ROS graph: fresh domain, localhost discovery, DDS profile."""
    return graph_env(domain_id=fresh_domain_id() if domain_id is None else domain_id, localhost_only=True)


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.02, what: str = "condition") -> None:
    """Poll ``predicate`` until true; raise TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


class NodeProcess:
    """A Python module (a node or helper script) running as a subprocess.

    ``NodeProcess("promptbot.nodes.sim_node", ["--ros-args", "-p", "world:=tabletop"], env)``
    """

    def __init__(
        self,
        module: str,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        log_dir: str | os.PathLike | None = None,
        name: str | None = None,
    ):
        self.module = module
        self.args = list(args)
        self.env = dict(env if env is not None else isolated_env())
        self.name = name or module.rsplit(".", 1)[-1]
        self.log_path = Path(log_dir or os.environ.get("PROMPTBOT_TEST_LOGS", "/tmp/promptbot-test-logs"))
        self.log_path.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_path / f"{self.name}-{os.getpid()}-{next(_counter)}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "NodeProcess":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGINT, wait, then SIGKILL the whole process group. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=timeout)
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """Hard-kill (fault injection): SIGKILL the process group, no clean-up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5.0)

    def __enter__(self) -> "NodeProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
