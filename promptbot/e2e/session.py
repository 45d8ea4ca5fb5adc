"""A running promptbot graph (node processes) plus an in-process client node on its domain."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from promptbot.ros.env import init_context
from promptbot.supervisor import Supervisor, node_processes
from promptbot.testing import fresh_domain_id


class GraphSession:
    def __init__(self, graph: str, log_dir: Path, params: list[str] = (), only: set[str] | None = None,
                 domain_id: int | None = None, localhost: bool = True):
        self.domain_id = fresh_domain_id() if domain_id is None else domain_id
        base = dict(os.environ)
        if localhost:
            base["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
        specs, self.missing = node_processes(graph, only, list(params), domain_id=self.domain_id, env_base=base)
        self.env = specs[0].env if specs else base
        self.supervisor = Supervisor(specs, log_dir)
        self.names = [s.name for s in specs]
        self.node = None
        self._executor = None
        self._thread = None
        self._context = None

    def start(self) -> "GraphSession":
        import rclpy

        from promptbot.ros.executor import make_executor

        self.supervisor.start()
        self._context = init_context({**self.env, "ROS_DOMAIN_ID": str(self.domain_id)})
        self.node = rclpy.create_node("promptbot_run", context=self._context)
        self._executor = make_executor(4, context=self._context)
        self._executor.add_node(self.node)
        self._thread = threading.Thread(target=self._executor.spin, daemon=True)
        self._thread.start()
        return self

    def poll(self) -> list[str]:
        return self.supervisor.poll()

    def wait(self, ready, timeout: float, what: str, fatal: tuple[str, ...] = ()) -> None:
        """Wait for ``ready()``; a node giving up, or exiting at all when named in ``fatal``
        (it held state the wait depends on, e.g. the planner running the task), ends it at once."""
        deadline = time.monotonic() + timeout
        while not ready():
            events = self.supervisor.poll()
            dead = [e for e in events if "giving up" in e or e.split(" ", 1)[0] in fatal]
            if dead:
                raise RuntimeError(f"waiting for {what}: {dead[0]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.01)      # the bench times stages from here: poll finely

    def wait_planner(self, timeout: float = 180.0) -> str:
        """Wait until the planner has its LLM in memory (``/planner/status`` leaves "loading");
        returns the status: "ready", or "llm_failed: why" (the first task then reports it)."""
        from std_msgs.msg import String

        from promptbot.ros import qos

        status: list[str] = []
        sub = self.node.create_subscription(String, "/planner/status", lambda m: status.append(m.data),
                                            qos.LATCHED)
        try:
            self.wait(lambda: bool(status) and not status[-1].startswith("loading"), timeout,
                      "the planner's LLM to load", fatal=("planner",))
        finally:
            self.node.destroy_subscription(sub)
        return status[-1]

    def stop(self) -> None:
        import rclpy

        if self._executor is not None:
            self._executor.shutdown(timeout_sec=2.0)
        if self.node is not None:
            self.node.destroy_node()
        if self._context is not None:
            rclpy.try_shutdown(context=self._context)
        self.supervisor.stop()

    def __enter__(self) -> "GraphSession":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
