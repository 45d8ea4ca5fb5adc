"""promptbot.priority: a node's nice value reaches its threads and, where it leads its session, its autogroup."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from promptbot.priority import PriorityResult, set_priority


def _fake_proc(tmp_path, enabled: str = "1"):
    proc = tmp_path / "proc"
    (proc / "task" / str(2**22 + 7)).mkdir(parents=True)     # a thread id no process has: skipped
    (proc / "autogroup").write_text("/autogroup-1 nice 0\n")
    flag = tmp_path / "sched_autogroup_enabled"
    flag.write_text(enabled + "\n")
    return proc, flag


@pytest.mark.parametrize("nice", [-21, 20])
def test_out_of_range_is_rejected(nice):
    with pytest.raises(ValueError):
        set_priority(nice)


def test_the_autogroup_is_set_only_for_a_session_leader_with_autogroups(tmp_path):
    proc, flag = _fake_proc(tmp_path)
    res = set_priority(4, proc, flag, session_leader=True)
    assert res == PriorityResult(4, 0, True) and (proc / "autogroup").read_text() == "4\n"
    assert "autogroup" in res.describe()
    proc, flag = _fake_proc(tmp_path / "b")
    assert set_priority(4, proc, flag, session_leader=False).autogroup is False        # a shared session
    assert (proc / "autogroup").read_text().startswith("/autogroup-1")
    proc, flag = _fake_proc(tmp_path / "c", enabled="0")
    assert set_priority(4, proc, flag, session_leader=True).autogroup is False         # kernel without them
    assert (proc / "autogroup").read_text().startswith("/autogroup-1")


_CHILD = """
import json, os, threading, time
from promptbot.priority import set_priority
stop = threading.Event()
t = threading.Thread(target=stop.wait); t.start()                # a thread running before the call
res = set_priority(6)
tids = [int(x) for x in os.listdir("/proc/self/task")]
group = open("/proc/self/autogroup").read() if os.path.exists("/proc/self/autogroup") else ""
print(json.dumps({"threads": res.threads, "autogroup": res.autogroup, "error": res.error,
                  "nice": [os.getpriority(os.PRIO_PROCESS, tid) for tid in tids], "group": group}))
stop.set(); t.join()
"""


@pytest.mark.graph      # starts a process
@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_a_node_process_gets_the_nice_value_on_every_thread_and_its_own_autogroup():
    # like a graph node: its own session; a positive value needs no privilege
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60,
                         start_new_session=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["error"] == "" and got["threads"] >= 2 and set(got["nice"]) == {6}
    if os.path.exists("/proc/sys/kernel/sched_autogroup_enabled") and \
            open("/proc/sys/kernel/sched_autogroup_enabled").read().strip() == "1":
        assert got["autogroup"] is True and got["group"].strip().endswith("nice 6")


def test_a_node_logs_what_it_got(monkeypatch):
    import promptbot.priority as prio

    class Log:
        def __init__(self):
            self.lines = []

        def info(self, msg):
            self.lines.append(("info", msg))

        def warning(self, msg):
            self.lines.append(("warning", msg))

    log = Log()
    assert prio.set_node_priority(0, log, "x node") is None and log.lines == []       # 0: nothing to do
    monkeypatch.setattr(prio, "set_priority", lambda nice: PriorityResult(nice, 0, False, "Operation not permitted"))
    assert prio.set_node_priority(-10, log, "x node").error
    assert log.lines == [("warning", "x node: nice -10 not applied: Operation not permitted; it keeps its priority")]
    monkeypatch.setattr(prio, "set_priority", lambda nice: PriorityResult(nice, 3, True))
    prio.set_node_priority(-5, log, "x node")
    assert log.lines[-1] == ("info", "x node: nice -5 on 3 thread(s) and its scheduling autogroup")
