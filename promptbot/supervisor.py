"""Run a set of node processes with respawn, per-node logs and clean shutdown (no ROS imports).

This is the pip-only stand-in for ``ros2 launch``: ``promptbot up`` and the
end-to-end demo use it with the node list from config/graph.yaml, turned into
process specs by :func:`node_processes`.

Readiness (:class:`Readiness`) is the pure half of the health probes of
:mod:`promptbot.ros.health`: the graph is ready when every node has answered its probe with
"ready", and each node's time from going down (a start, a respawn, a kill or a stop) to
answering ready again is recorded.
"""
from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from promptbot.graph import GraphError, graph_remaps, load_graph
from promptbot.ros.env import graph_env

log = logging.getLogger("promptbot.supervisor")

RESTART_WINDOW_S = 60.0      # restarts are counted over this window [s]
MAX_RESTARTS_IN_WINDOW = 5   # more than this and the node is given up
READY_RESTART_S = 60.0       # a start whose health probe has not answered at all after this long is killed [s]
HANG_RESTART_S = 45.0        # so is a node that answered and then has not for this long [s]


@dataclass
class ProcSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    respawn: bool = True
    respawn_delay: float = 1.0       # [s]


def node_processes(graph: str, only: set[str] | None = None, params: list[str] = (),
                   remaps: list[str] = (), domain_id: int | None = None,
                   env_base: dict | None = None) -> tuple[list[ProcSpec], list[str]]:
    """Process specs for a graph, plus the names of nodes that are not built yet."""
    overrides: dict[str, dict[str, str]] = {}
    for item in params:
        key, sep, value = item.partition(":=")
        node, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise GraphError(f"bad parameter override {item!r}; use NODE.NAME:=VALUE")
        overrides.setdefault(node, {})[name] = value
    known_remaps = graph_remaps(graph)
    remap_args = []
    for item in remaps:
        arg, sep, topic = item.partition(":=")
        if not sep or arg not in known_remaps:
            raise GraphError(f"bad remap {item!r}; known arguments: {', '.join(known_remaps) or 'none'}")
        remap_args += ["-r", f"{known_remaps[arg]}:={topic}"]
    specs, missing = [], []
    env = graph_env(domain_id=domain_id, base=env_base)
    nodes = load_graph(graph)
    unknown = (only or set()) - {n.name for n in nodes}
    if unknown:
        raise GraphError(f"graph {graph!r} has no node(s) {sorted(unknown)}")
    for node in nodes:
        if only and node.name not in only:
            continue
        if importlib.util.find_spec(node.module) is None:
            missing.append(node.name)
            continue
        argv = [sys.executable, "-m", node.module, *node.ros_args(overrides.get(node.name)), *remap_args]
        specs.append(ProcSpec(node.name, argv, env, node.respawn, node.respawn_delay))
    return specs, missing


@dataclass
class _Proc:
    spec: ProcSpec
    log_path: Path
    popen: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)
    respawn_at: float | None = None
    given_up: bool = False
    starts: int = 0
    started_at: float | None = None      # monotonic time of the latest start [s]


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, even by SIGKILL (Linux).

    Nodes run in their own sessions (a Ctrl-C reaches them through the supervisor, in order),
    so without this a killed supervisor (a test's timeout, an OOM kill) leaves the whole graph
    running, holding the CPU and the DDS domain.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)     # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


class Supervisor:
    def __init__(self, specs: list[ProcSpec], log_dir: str | os.PathLike):
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate node names: {names}")
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._procs = {s.name: _Proc(s, self.log_dir / f"{s.name}.log") for s in specs}
        self._stopping = False
        self._lock = threading.RLock()     # poll() may be called from more than one thread (the soak)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        for proc in self._procs.values():
            self._spawn(proc)

    def _spawn(self, proc: _Proc) -> None:
        logf = open(proc.log_path, "ab")
        logf.write(f"\n===== start #{proc.starts + 1} at {time.strftime('%H:%M:%S')}: {' '.join(proc.spec.argv)}\n".encode())
        logf.flush()
        proc.popen = subprocess.Popen(proc.spec.argv, env=proc.spec.env, stdout=logf, stderr=subprocess.STDOUT,
                                      start_new_session=True, preexec_fn=_die_with_parent)
        logf.close()
        proc.starts += 1
        proc.started_at = time.monotonic()
        proc.respawn_at = None
        log.info("started %s (pid %d)", proc.spec.name, proc.popen.pid)

    def poll(self) -> list[str]:
        """Check processes once; respawn the ones that died. Returns event strings (thread-safe)."""
        with self._lock:
            return self._poll()

    def _poll(self) -> list[str]:
        events = []
        now = time.monotonic()
        for proc in self._procs.values():
            if proc.given_up or self._stopping:
                continue
            if proc.popen is not None and proc.popen.poll() is not None and proc.respawn_at is None:
                code = proc.popen.returncode
                events.append(f"{proc.spec.name} exited with code {code}")
                proc.restarts = [t for t in proc.restarts if now - t < RESTART_WINDOW_S]
                if not proc.spec.respawn:
                    proc.given_up = True
                elif len(proc.restarts) >= MAX_RESTARTS_IN_WINDOW:
                    proc.given_up = True
                    events.append(f"{proc.spec.name} restarted {len(proc.restarts)} times in "
                                  f"{RESTART_WINDOW_S:.0f} s: giving up (see {proc.log_path})")
                else:
                    proc.respawn_at = now + proc.spec.respawn_delay
            if proc.respawn_at is not None and now >= proc.respawn_at:
                proc.restarts.append(now)
                self._spawn(proc)
                events.append(f"{proc.spec.name} respawned (pid {proc.popen.pid})")
        for e in events:
            log.warning(e)
        return events

    def pid(self, name: str) -> int | None:
        p = self._procs[name].popen
        return p.pid if p is not None and p.poll() is None else None

    def alive(self, name: str) -> bool:
        return self.pid(name) is not None

    def starts(self, name: str) -> int:
        return self._procs[name].starts

    def started_at(self, name: str) -> float | None:
        """Monotonic time of the node's latest start [s]."""
        return self._procs[name].started_at

    def given_up(self, name: str) -> bool:
        return self._procs[name].given_up

    @property
    def names(self) -> list[str]:
        return list(self._procs)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> bool:
        """Fault injection: send ``sig`` to one node's process group (SIGKILL: the supervisor
        respawns it; SIGSTOP / SIGCONT: freeze and thaw it). False when it is not running."""
        p = self._procs[name].popen
        if p is None or p.poll() is not None:
            return False
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return False
        return True

    def restart_unready(self, watchdog: "ReadyWatchdog", answered: dict[str, bool],
                        now: float | None = None) -> list[str]:
        """SIGKILL (for the poll to respawn) every running node that ``watchdog`` finds overdue: it
        never became reachable, or it hung; ``answered``: whether each probed node answered its
        latest probe at all (ready or not). Returns events."""
        now = time.monotonic() if now is None else now
        events = []
        for name, ok in answered.items():
            if name not in self._procs or not self.alive(name):
                continue            # not ours, or dead: respawning it is poll()'s business
            why = watchdog.overdue(name, self.starts(name), self.started_at(name), ok, now)
            if why and self.kill(name):
                events.append(f"{name} {why}: killed for a respawn")
        for e in events:
            log.warning(e)
        return events

    def stop(self, timeout: float = 8.0) -> dict[str, int | None]:
        """SIGINT every node, wait up to ``timeout`` s, then SIGKILL. Returns exit codes."""
        self._stopping = True
        running = [p for p in self._procs.values() if p.popen is not None and p.popen.poll() is None]
        for p in running:
            try:
                os.killpg(p.popen.pid, signal.SIGCONT)       # a node frozen by fault injection must see SIGINT
                os.killpg(p.popen.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for p in running:
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s: killing", p.spec.name, timeout)
                try:
                    os.killpg(p.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.popen.wait(timeout=5.0)
        return {name: (p.popen.returncode if p.popen else None) for name, p in self._procs.items()}


# ---------------------------------------------------------------- readiness (pure)
@dataclass(frozen=True)
class NodeHealth:
    """One node's answer to a health probe."""
    answered: bool
    ready: bool
    message: str = ""
    rtt_s: float | None = None           # probe sent -> answer seen [s]


@dataclass
class Recovery:
    """A node that went down (``cause``) and answered ready again ``time_to_ready_s`` later."""
    node: str
    cause: str
    down_at: float                       # monotonic [s]
    ready_at: float | None = None
    graph_ready_at: float | None = None  # every node ready again [s, monotonic]

    @property
    def time_to_ready_s(self) -> float | None:
        return None if self.ready_at is None else self.ready_at - self.down_at

    @property
    def graph_time_to_ready_s(self) -> float | None:
        return None if self.graph_ready_at is None else self.graph_ready_at - self.down_at

    def to_dict(self) -> dict:
        return {"node": self.node, "cause": self.cause, "time_to_ready_s": self.time_to_ready_s,
                "graph_time_to_ready_s": self.graph_time_to_ready_s}


class Readiness:
    """Graph readiness from health probes: ready when every node answered "ready".

    ``mark_down(name, t, cause)`` starts a recovery clock (a start, a respawn, a SIGKILL, a
    SIGSTOP); the next probe in which that node answers ready stops it, and the first probe in
    which the whole graph answers ready stops the graph clock.
    """

    def __init__(self, names: list[str], t0: float):
        if not names:
            raise ValueError("Readiness needs at least one node")
        self.names = list(names)
        self.t0 = t0
        self.health: dict[str, NodeHealth] = {n: NodeHealth(False, False, "not probed yet") for n in names}
        self.first_ready_at: float | None = None        # the graph's first moment of readiness
        self.recoveries: list[Recovery] = []
        self._open: dict[str, Recovery] = {}
        self._was_ready = False

    @property
    def ready(self) -> bool:
        return all(h.ready for h in self.health.values())

    def waiting_for(self) -> dict[str, str]:
        return {n: h.message for n, h in self.health.items() if not h.ready}

    def mark_down(self, name: str, t: float, cause: str) -> None:
        if name not in self.health:
            raise KeyError(f"unknown node {name!r}")
        if name in self._open:          # already down (a kill, then its respawn): the first cause counts
            return
        rec = Recovery(name, cause, t)
        self._open[name] = rec
        self.recoveries.append(rec)
        self.health[name] = NodeHealth(False, False, cause)

    def update(self, t: float, results: dict[str, NodeHealth]) -> list[str]:
        """Take one probe's answers at time ``t``; returns events worth printing."""
        events = []
        for name, h in results.items():
            if name not in self.health:
                continue
            before = self.health[name]
            self.health[name] = h
            if h.ready and not before.ready:
                rec = self._open.pop(name, None)
                if rec is not None:
                    rec.ready_at = t
                    events.append(f"{name} ready again {rec.time_to_ready_s:.1f} s after {rec.cause}")
            elif before.ready and not h.ready:
                events.append(f"{name} not ready: {h.message}")
        ready = self.ready
        if ready:
            for rec in self.recoveries:
                if rec.graph_ready_at is None and rec.ready_at is not None:
                    rec.graph_ready_at = t
            if self.first_ready_at is None:
                self.first_ready_at = t
                events.append(f"graph ready: {len(self.names)}/{len(self.names)} nodes answered ready "
                              f"after {t - self.t0:.1f} s")
            elif not self._was_ready:
                events.append("graph ready again")
        self._was_ready = ready
        return events

    def summary(self) -> dict:
        done = [r.time_to_ready_s for r in self.recoveries if r.time_to_ready_s is not None]
        return {
            "ready": self.ready,
            "first_ready_s": None if self.first_ready_at is None else self.first_ready_at - self.t0,
            "nodes": {n: {"answered": h.answered, "ready": h.ready, "message": h.message}
                      for n, h in self.health.items()},
            "recoveries": [r.to_dict() for r in self.recoveries],
            "recoveries_pending": [r.node for r in self.recoveries if r.ready_at is None],
            "time_to_ready_max_s": max(done) if done else None,
        }


class ReadyWatchdog:
    """Which running nodes to kill for a respawn: a start that never became reachable, or a node that hung.

    Liveness only: a node that answers "not ready" (the planner loading a large LLM on a slow board,
    for as long as that takes) is alive and is left alone; only a probe with no answer counts.

    * A start that ran ``start_limit_s`` without once answering its probe. A process can be alive,
      loaded and spinning, yet unreachable: in a chaos run a policy node respawned within
      milliseconds of its SIGKILL logged "loaded", but no probe or action client ever discovered it
      (its middleware's shared-memory port could not be opened), and the graph waited for good.
    * A node that answered before and has not for ``hang_limit_s`` (a deadlock, a lost
      connection): like a bond timeout. The limit is far above any wait in normal
      work (chaos SIGSTOPs last at most 5 s, the slowest callback about 2 s).

    Each start, and each hang, is reported once; pure (times are monotonic seconds).
    """

    def __init__(self, start_limit_s: float = READY_RESTART_S, hang_limit_s: float = HANG_RESTART_S):
        if start_limit_s <= 0 or hang_limit_s <= 0:
            raise ValueError(f"limits must be > 0, got {start_limit_s}, {hang_limit_s}")
        self.start_limit_s, self.hang_limit_s = float(start_limit_s), float(hang_limit_s)
        self._start: dict[str, int] = {}              # the start last seen
        self._last_answer: dict[str, float | None] = {}  # that start's latest answer
        self._reported: dict[str, bool] = {}
        self._lock = threading.Lock()       # the soak's main and chaos threads both probe

    def overdue(self, name: str, starts: int, started_at: float | None, answered: bool, now: float) -> str | None:
        """Why to kill the node now (never reachable / hung), or None. ``starts``: the supervisor's
        count of the node's starts; ``answered``: whether this probe got any answer; ``started_at``,
        ``now`` [s]."""
        with self._lock:
            if self._start.get(name) != starts:
                self._start[name], self._last_answer[name], self._reported[name] = starts, None, False
            if answered:
                self._last_answer[name], self._reported[name] = now, False
                return None
            last = self._last_answer[name]
            if self._reported[name] or started_at is None:
                return None
            if last is None and now - started_at >= self.start_limit_s:
                self._reported[name] = True
                return f"has not answered its health probe {now - started_at:.0f} s after its start #{starts}"
            if last is not None and now - last >= self.hang_limit_s:
                self._reported[name] = True
                return f"answered before but not for {now - last:.0f} s (hung)"
            return None
