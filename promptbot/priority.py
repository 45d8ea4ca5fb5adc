"""CPU priority of a whole node process: its threads and its scheduling autogroup (Linux).

Linux shares the CPU between *autogroups* before it shares it between processes
(``/proc/sys/kernel/sched_autogroup_enabled``): each session is one group, and a process's
nice value only ranks it against the others of its own session. The graph's launcher starts
every node in a session of its own, so a node's ``nice`` alone changed nothing against the
other nodes (docs/speech.md: ``nice -10`` left the decode where it was). :func:`set_priority`
therefore also sets the nice value of the process's autogroup, which ranks the session against
the others, and applies the nice value to every thread already running (``setpriority`` on
Linux acts on one thread; threads started later inherit it from the thread that starts them).

The autogroup is changed only where the process leads its session (``promptbot up``, the tests'
graphs): a node started from a shell or by ``ros2 launch`` shares that session's group with the
rest of it, where the nice values of the threads already rank it against its neighbours. A
negative value needs root or ``CAP_SYS_NICE``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

NICE_MIN, NICE_MAX = -20, 19
_AUTOGROUP_ENABLED = Path("/proc/sys/kernel/sched_autogroup_enabled")


@dataclass(frozen=True)
class PriorityResult:
    nice: int
    threads: int = 0            # threads whose nice value was set
    autogroup: bool = False     # the process's autogroup got the nice value too
    error: str = ""             # why it was not (fully) applied; "" = applied

    def describe(self) -> str:
        if self.error:
            return f"nice {self.nice} not applied: {self.error}"
        group = " and its scheduling autogroup" if self.autogroup else ""
        return f"nice {self.nice} on {self.threads} thread(s){group}"


def autogroups_enabled(flag: Path = _AUTOGROUP_ENABLED) -> bool:
    try:
        return flag.read_text().strip() == "1"
    except OSError:
        return False


def set_priority(nice: int, proc: Path = Path("/proc/self"), flag: Path = _AUTOGROUP_ENABLED,
                 session_leader: bool | None = None) -> PriorityResult:
    """Give this process nice value ``nice``: every thread, and its autogroup where the kernel has
    them and the process leads its session (``session_leader``: None = ask the kernel)."""
    nice = int(nice)
    if not NICE_MIN <= nice <= NICE_MAX:
        raise ValueError(f"nice must be in [{NICE_MIN}, {NICE_MAX}], got {nice}")
    try:
        tids = [int(t.name) for t in (proc / "task").iterdir()]
    except OSError:
        tids = [0]                  # no /proc: the calling thread only
    done = 0
    try:
        for tid in tids:
            try:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                done += 1
            except ProcessLookupError:      # the thread ended meanwhile
                continue
    except PermissionError as exc:
        return PriorityResult(nice, done, False, f"{exc.strerror} (a negative value needs CAP_SYS_NICE)")
    except (OSError, AttributeError) as exc:
        return PriorityResult(nice, done, False, str(exc))
    if session_leader is None:
        session_leader = os.getsid(0) == os.getpid()
    if not session_leader or not autogroups_enabled(flag):
        return PriorityResult(nice, done)
    try:
        (proc / "autogroup").write_text(f"{nice}\n")
    except OSError as exc:
        return PriorityResult(nice, done, False, f"autogroup: {exc.strerror or exc}")
    return PriorityResult(nice, done, True)


def set_node_priority(nice: int, logger, name: str) -> PriorityResult | None:
    """:func:`set_priority` for a node at start-up, logged on ``logger`` (anything with ``info`` and
    ``warning``): applied is info, refused is a warning and the node goes on at its priority. 0: nothing."""
    if not nice:
        return None
    done = set_priority(nice)
    (logger.warning if done.error else logger.info)(
        f"{name}: {done.describe()}" + ("; it keeps its priority" if done.error else ""))
    return done
