"""One health probe for every node: ``/<node name>/health`` (std_srvs/Trigger).

Server side: :func:`promptbot.ros.spin.spin_node` (the ``main()`` every promptbot node shares)
calls :func:`add_health_service` once the node is built, so a node answers only after its
constructor has finished: the speech node's Whisper model, the VLA checkpoint, the perception
tables and the sim world are loaded by then. A node whose readiness comes later defines
``health() -> (ready, message)``: the planner is ready when its LLM is in memory, the sim when
its physics thread runs. The service has its own callback group, so a node answers while a
long callback runs elsewhere in a multi-threaded executor; a node that is stopped (SIGSTOP),
deadlocked or gone does not answer and the probe times out.

Client side: :class:`HealthProbe` asks a set of nodes at once and returns
:class:`promptbot.supervisor.NodeHealth` per node; :class:`promptbot.supervisor.Readiness`
(pure) turns probes into "the graph is ready" and time-to-ready after each (re)start.
"""
from __future__ import annotations

import time

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from std_srvs.srv import Trigger

from promptbot.supervisor import NodeHealth

HEALTH_SERVICE = "~/health"          # resolves to /<node name>/health
PROBE_TIMEOUT_S = 1.0                # a node that has not answered in this time is not ready [s]


def health_service_name(node_name: str) -> str:
    """The probe of a graph node (graph.yaml name ``planner`` -> ``/planner_node/health``)."""
    return f"/{node_name}_node/health"


def add_health_service(node: Node):
    """Serve ``~/health`` from ``node``: ``node.health()`` when defined, else "up" (built and spinning)."""
    def answer(_req, res):
        check = getattr(node, "health", None)
        try:
            ready, message = check() if check is not None else (True, "up")
        except Exception as exc:  # noqa: BLE001 - a failing check is an unhealthy node, not a dead service
            ready, message = False, f"health check failed: {exc!r}"
        res.success, res.message = bool(ready), str(message)
        return res

    return node.create_service(Trigger, HEALTH_SERVICE, answer, callback_group=MutuallyExclusiveCallbackGroup())


class HealthProbe:
    """Probe the health services of ``names`` (graph.yaml node names) from ``node``.

    ``node`` must be spun by an executor in another thread (the GraphSession's node is).
    """

    def __init__(self, node: Node, names: list[str]):
        self.node = node
        self.clients = {n: node.create_client(Trigger, health_service_name(n)) for n in names}

    def probe(self, timeout_s: float = PROBE_TIMEOUT_S, names: list[str] | None = None) -> dict[str, NodeHealth]:
        """Ask every node (or ``names``) in parallel; a node without an answer after ``timeout_s`` is down."""
        t0 = time.monotonic()
        futures = {}
        out: dict[str, NodeHealth] = {}
        for name in names or list(self.clients):
            client = self.clients[name]
            if not client.service_is_ready():
                out[name] = NodeHealth(False, False, "no health service on the graph")
                continue
            futures[name] = (client.call_async(Trigger.Request()), time.monotonic())
        deadline = t0 + timeout_s
        while futures and time.monotonic() < deadline and not all(f.done() for f, _ in futures.values()):
            time.sleep(0.005)
        for name, (fut, sent) in futures.items():
            if fut.done() and fut.result() is not None:
                r = fut.result()
                out[name] = NodeHealth(True, bool(r.success), r.message, time.monotonic() - sent)
            else:
                fut.cancel()
                self.clients[name].remove_pending_request(fut)
                out[name] = NodeHealth(False, False, f"no answer within {timeout_s:.1f} s")
        return out


class StatusPublisher:
    """A std_msgs/String publisher that remembers what it last published (a node's ``health()``
    reads it: the planner's ``/planner/status`` is "ready" once its LLM is loaded)."""

    def __init__(self, publisher):
        self._pub = publisher
        self.last = ""

    def publish(self, msg) -> None:
        self.last = msg.data
        self._pub.publish(msg)


class GraphWatch:
    """A supervised graph's readiness: respawns seen by the supervisor plus health probes.

    ``step()`` probes every node once and returns printable events; ``readiness`` holds the
    state, the first time the graph was ready and each node's time-to-ready after going down.
    A start whose probe never gets an answer within 60 s is killed for a respawn, and so is a node
    that stops answering for 45 s (:class:`promptbot.supervisor.ReadyWatchdog`).
    """

    def __init__(self, node: Node, supervisor, t0: float | None = None):
        from promptbot.supervisor import Readiness, ReadyWatchdog

        self.supervisor = supervisor
        self.watchdog = ReadyWatchdog()
        self.probe = HealthProbe(node, supervisor.names)
        self.readiness = Readiness(supervisor.names, time.monotonic() if t0 is None else t0)
        self._starts = {n: supervisor.starts(n) for n in supervisor.names}

    def step(self, timeout_s: float = PROBE_TIMEOUT_S) -> list[str]:
        for name in self.supervisor.names:
            starts = self.supervisor.starts(name)
            if starts != self._starts[name]:
                self._starts[name] = starts
                self.readiness.mark_down(name, self.supervisor.started_at(name) or time.monotonic(),
                                         f"respawn #{starts - 1}")
        results = self.probe.probe(timeout_s)
        events = self.readiness.update(time.monotonic(), results)
        return events + self.supervisor.restart_unready(self.watchdog, {n: h.answered for n, h in results.items()})
