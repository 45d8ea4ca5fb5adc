"""Nothing lost: a run folder stays readable and complete when the run fails or is killed.

Unit: the MCAP reader that stops at the last complete chunk, the incremental report.json and
its recovery, and a failing run (the graph cannot start) that still writes its whole folder.
Graph (one short run): ``promptbot run`` and every node process are SIGKILLed while a task
executes; report.json then says ``"interrupted": true`` and recording.mcap opens with the
``mcap`` library up to its last complete chunk.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promptbot.e2e.recorder import read_recording
from promptbot.e2e.report import recover_run_folder, write_partial, write_reports

BIN = Path(sys.executable).parent


def _write_mcap(path: Path, messages: int, flush_every: int, finish: bool) -> None:
    import random

    from mcap.writer import Writer

    rng = random.Random(0)                      # incompressible payloads: a chunk is ~5 kB
    with open(path, "wb") as fh:
        w = Writer(fh)
        w.start(profile="ros2", library="test")
        schema = w.register_schema(name="std_msgs/msg/String", encoding="ros2msg", data=b"string data")
        channel = w.register_channel(topic="/chatter", message_encoding="cdr", schema_id=schema)
        for i in range(messages):
            w.add_message(channel_id=channel, log_time=i, publish_time=i, data=rng.randbytes(500), sequence=i)
            if (i + 1) % flush_every == 0:
                w.flush()
        if finish:
            w.finish()


def test_read_recording_of_a_closed_file_is_complete(tmp_path):
    path = tmp_path / "ok.mcap"
    _write_mcap(path, 40, 10, finish=True)
    r = read_recording(path)
    assert r.complete and not r.error
    assert r.messages == {"/chatter": 40} and r.chunks == 4


def test_read_recording_stops_at_the_last_complete_chunk(tmp_path):
    whole = tmp_path / "killed.mcap"
    _write_mcap(whole, 40, 10, finish=False)           # a killed writer: no summary, no footer
    data = whole.read_bytes()
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(data[:-1500])                      # ... and the last chunk half written
    r_whole, r_cut = read_recording(whole), read_recording(cut)
    assert not r_whole.complete and r_whole.messages == {"/chatter": 40}
    assert not r_cut.complete and r_cut.error
    assert r_cut.messages == {"/chatter": 30} and r_cut.chunks == 3


def test_partial_report_says_interrupted_until_the_run_finishes(tmp_path):
    report = {"world": "tabletop", "seed": 1, "executor": "expert", "command": {"text": "put it away"},
              "success": False}
    write_partial({**report, "timeline": [{"t_s": 0.1, "stage": "start", "message": "starting"}]}, tmp_path)
    partial = json.loads((tmp_path / "report.json").read_text())
    assert partial["interrupted"] is True and partial["finished"] is False
    assert recover_run_folder(tmp_path)
    assert "INTERRUPTED" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "report.html").is_file() and (tmp_path / "plan_tree.svg").is_file()
    assert json.loads((tmp_path / "report.json").read_text())["interrupted"] is True

    write_reports(dict(report), tmp_path)
    final = json.loads((tmp_path / "report.json").read_text())
    assert final["interrupted"] is False and final["finished"] is True
    assert not recover_run_folder(tmp_path)            # a finished run is left as it is


def test_a_run_whose_graph_fails_still_writes_its_whole_folder(tmp_path, monkeypatch):
    import promptbot.e2e.session as session
    from promptbot.e2e.runner import RunOptions, run_episode

    class _DeadGraph:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            raise RuntimeError("waiting for the planner: planner restarted 5 times in 60 s: giving up")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(session, "GraphSession", _DeadGraph)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="giving up"):
        run_episode(RunOptions(text="put the red cube in the blue bowl", executor="expert", out_dir=out, live=False))
    report = json.loads((out / "report.json").read_text())
    assert report["finished"] is True and report["success"] is False
    assert "giving up" in report["error"]
    assert [e["stage"] for e in report["timeline"]] == ["start", "error"]
    for name in ("report.md", "report.html", "plan_tree.svg"):
        assert (out / name).is_file(), name


# ---------------------------------------------------------------- the whole graph killed mid-task
def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@pytest.mark.graph
def test_sigkill_of_the_whole_graph_mid_task_leaves_a_readable_run_folder(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([str(BIN / "promptbot"), "run", "--text", "put the red cube in the blue bowl",
                             "--world", "tabletop", "--seed", "1", "--executor", "expert", "--out", str(out),
                             "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    stages: list[str] = []
    deadline = time.monotonic() + 240.0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                stages = [e["stage"] for e in json.loads((out / "report.json").read_text()).get("timeline", [])]
            except (OSError, ValueError):
                pass
            if "executing" in stages:
                break
            time.sleep(0.2)
        assert "executing" in stages, f"the task never started executing: {stages}; " \
                                      f"{proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ''}"
        time.sleep(1.5)                                  # the arm is moving: kill everything at once
        victims = [proc.pid, *_descendants(proc.pid)]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        proc.stderr.close()

    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] is True and report["finished"] is False
    assert "executing" in [e["stage"] for e in report["timeline"]]
    rec = read_recording(out / "recording.mcap")
    assert not rec.complete                                   # killed: no footer
    for topic in ("/joint_states", "/sim/ground_truth", "/camera/color/image_raw"):
        assert rec.messages.get(topic, 0) > 0, (topic, rec)
    assert recover_run_folder(out) and (out / "report.html").is_file()


# ---------------------------------------------------------------- readiness means ready
def test_readiness_needs_every_node_and_times_each_recovery():
    from promptbot.supervisor import NodeHealth, Readiness

    up, loading = NodeHealth(True, True, "up"), NodeHealth(True, False, "loading the LLM (smollm2)")
    r = Readiness(["sim", "planner"], t0=100.0)
    assert r.update(101.0, {"sim": up, "planner": loading}) == [] and not r.ready
    assert r.waiting_for() == {"planner": "loading the LLM (smollm2)"}
    events = r.update(104.0, {"sim": up, "planner": up})
    assert r.ready and r.summary()["first_ready_s"] == pytest.approx(4.0) and "graph ready" in events[0]

    r.mark_down("planner", 110.0, "SIGKILL")
    r.mark_down("planner", 111.0, "respawn #1")              # its respawn: the kill's clock keeps running
    assert not r.ready
    r.update(112.0, {"sim": up, "planner": NodeHealth(False, False, "no answer within 1.0 s")})
    r.update(113.0, {"sim": up, "planner": loading})
    events = r.update(117.5, {"sim": up, "planner": up})
    assert r.ready and any("planner ready again 7.5 s after SIGKILL" in e for e in events)
    [rec] = r.summary()["recoveries"]
    assert rec == {"node": "planner", "cause": "SIGKILL", "time_to_ready_s": 7.5, "graph_time_to_ready_s": 7.5}


@pytest.mark.graph
def test_up_reports_ready_only_when_the_llm_is_loaded_and_times_a_respawn(tmp_path):
    import psutil

    from promptbot.testing import fresh_domain_id, isolated_env

    env = isolated_env(fresh_domain_id())
    health = tmp_path / "health.json"
    proc = subprocess.Popen([str(BIN / "promptbot"), "up", "sim", "--only", "safety,planner",
                             "--log-dir", str(tmp_path / "logs")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)

    def state() -> dict:
        try:
            return json.loads(health.read_text())
        except (OSError, ValueError):
            return {}

    def wait(pred, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = state()
            if pred(s):
                return s
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {state()}")

    try:
        s = wait(lambda s: s.get("ready"), 120.0, "the graph to be ready")
        assert s["nodes"]["planner"]["message"] == "ready"              # the LLM is in memory
        assert s["nodes"]["safety"] == {"answered": True, "ready": True, "message": "up"}
        safety = next(p for p in psutil.Process(proc.pid).children() if "safety_node" in " ".join(p.cmdline()))
        os.killpg(safety.pid, signal.SIGKILL)
        s = wait(lambda s: s.get("ready") and any(r["node"] == "safety" and r["time_to_ready_s"]
                                                  for r in s.get("recoveries", [])), 60.0, "the respawned safety")
        [rec] = [r for r in s["recoveries"] if r["node"] == "safety"]
        assert 0.0 < rec["time_to_ready_s"] < 30.0, rec
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        err = proc.stderr.read().decode()
        proc.stderr.close()
    assert "graph ready: 2/2 nodes answered ready" in err, err[-2000:]
    assert "safety ready again" in err, err[-2000:]
