"""The soak benchmark: its pure parts (unit) and its short form through the whole graph (slow).

The short form is the default soak cut to a few commands with chaos on: one graph, spoken and
typed commands of every kind, a node killed or frozen, the report, the picture and the
recordings checked. The full run is a benchmark (``promptbot bench soak``), not a test.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptbot.bench import soak

BIN = Path(sys.executable).parent


def test_schedule_is_seeded_and_draws_every_kind():
    a, b = soak.schedule(200, 3), soak.schedule(200, 3)
    assert a == b and a != soak.schedule(200, 4)
    assert set(a) == set(soak.MIX)
    assert abs(a.count("task_spoken") / 200 - soak.MIX["task_spoken"]) < 0.1


def test_chaos_plan_is_seeded_one_node_at_a_time():
    nodes = ["sim", "safety", "planner"]
    plan = list(soak.chaos_events(1, nodes, n=50, period_s=10.0))
    assert plan == list(soak.chaos_events(1, nodes, n=50, period_s=10.0))
    assert {n for _, n, _, _ in plan} == set(nodes)
    assert {a for _, _, a, _ in plan} == {"SIGKILL", "SIGSTOP"}
    assert all(5.0 <= w <= 15.0 and 1.0 <= s <= 5.0 for w, _, _, s in plan)


def test_rss_growth_and_latency_drift():
    rss = [100.0] * 19 + [200.0] + [210.0] * 180          # command 20 -> 200: +5 %
    assert soak.rss_growth(rss) == pytest.approx(0.05)
    assert soak.rss_growth(rss[:30]) == pytest.approx(0.05)  # fewer than 200: the last command
    assert soak.rss_growth(rss[:20]) is None                 # nothing after command 20
    d = soak.median_drift([2.0] * 20 + [9.0] * 5 + [2.2] * 20)
    assert d["first_p50_s"] == 2.0 and d["last_p50_s"] == pytest.approx(2.2) and d["drift"] == pytest.approx(0.1)
    assert soak.median_drift([1.0, None, 2.0])["drift"] is None


def test_garbage_audio_is_seeded_and_not_silent(tmp_path):
    import soundfile as sf

    a = soak.garbage_wav(tmp_path / "a.wav", 5)
    b = soak.garbage_wav(tmp_path / "b.wav", 5)
    x, rate = sf.read(str(a), dtype="int16")
    assert rate == 16000 and len(x) == 32000 and abs(x).max() > 1000
    assert a.read_bytes() == b.read_bytes()


def test_targets_and_picture_from_a_report(tmp_path):
    commands = [{"index": i, "kind": "task_spoken", "ok": True, "outcome": "succeeded",
                 "latency_s": {"end_of_speech_to_first_motion": 2.0 + 0.01 * (i % 3), "command_to_done": 12.0},
                 "nodes": {"sim": {"rss_mb": 300.0 + 0.1 * i, "cpu_pct": 80.0},
                           "planner": {"rss_mb": 900.0, "cpu_pct": 5.0}}} for i in range(1, 61)]

    class Args:
        seed, world, executor, chaos, commands, minutes = 0, "tabletop", "expert", False, 60, 20.0

    goals = {"sent": 60, "accepted": 60, "with_result": 59, "lost_with_dead_planner": 1, "timeout": 0,
             "not_accepted": 0}
    rep = soak.build_report(Args, commands, ["sim", "planner"], goals, {"sim": 0, "planner": 0}, None, None,
                            [{"file": "recording_000.mcap", "readable": True}], 30.0, 900.0, True, None)
    t = rep["targets"]
    assert t["every_goal_answered"]["pass"] and rep["goals"]["without_result"] == 0
    assert t["rss_growth_max"]["pass"] and rep["rss_growth"]["sim"] == pytest.approx(4.0 / 302.0, abs=1e-3)
    assert t["first_motion_p50_drift"]["pass"] and not t["commands"]["pass"]       # 60 < 200
    assert rep["by_kind"]["task_spoken"] == {"n": 60, "ok": 60, "outcomes": {"succeeded": 60}}
    soak.draw_png(tmp_path / "soak.png", commands, ["sim", "planner"])
    from PIL import Image

    assert Image.open(tmp_path / "soak.png").size == (1000, 640)


@pytest.mark.graph
@pytest.mark.slow      # about 3 minutes: the whole graph, a dozen commands and chaos
@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng missing (run scripts/setup.sh)")
def test_short_soak_with_chaos_answers_every_goal(tmp_path):
    run_dir = tmp_path / "soak"
    proc = subprocess.run([str(BIN / "promptbot"), "bench", "soak", "--commands", "12", "--minutes", "1.5",
                           "--chaos", "--chaos-period", "25", "--seed", "0", "--run-dir", str(run_dir), "--json"],
                          capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report["commands_done"] >= 4, proc.stderr[-3000:]
    assert report["goals"]["without_result"] == 0, report["goals"]
    assert report["chaos"]["arm"]["ungoverned"] == 0, report["chaos"]["arm"]
    assert report["chaos"]["events"] >= 1 and report["chaos"]["time_to_ready_s"]["never_ready"] == 0
    assert all(r["readable"] for r in report["recordings"]) and report["recordings"]
    assert (run_dir / "soak.png").is_file()
    assert json.loads((run_dir / "report.json").read_text())["finished"] is True
    # every command has a result of its own and the process stats of every node
    for c in report["command_details"]:
        assert c.get("outcome") and set(c["nodes"]) == {"sim", "safety", "perception", "speech", "planner"}


def test_arm_watch_tells_a_foreign_publisher_from_one_discovery_has_not_named_yet():
    """A respawned node's publisher can be listed before its name is known: not counted as foreign;
    a publisher with another node's name is, and the report lists its name."""
    from types import SimpleNamespace

    from promptbot.bench.soak import UNKNOWN_NODE, ArmWatch

    class FakeNode:
        names = ["safety_node"]

        def create_subscription(self, *a, **k):
            return None

        create_timer = create_subscription

        def get_publishers_info_by_topic(self, topic):
            return [SimpleNamespace(node_name=n) for n in self.names]

    node = FakeNode()
    arm = ArmWatch(node, {})
    for names, foreign, unidentified in ((["safety_node"], 0, 0), (["safety_node", UNKNOWN_NODE], 0, 1),
                                         (["safety_node", "rogue_node"], 1, 1)):
        node.names = names
        arm._check_publishers()
        arm._count(True)
        assert (arm.counts["foreign_publisher"], arm.counts["unidentified_publisher"]) == (foreign, unidentified)
    assert arm.ungoverned == 1 and arm.foreign_seen == {"rogue_node"}


@pytest.mark.parametrize("first,last,ok", [(3.0, 2.0, True), (2.0, 2.1, True), (2.0, 2.5, False)])
def test_first_motion_drift_fails_only_when_later_commands_are_slower(first, last, ok):
    commands = [{"index": i, "kind": "task_spoken", "outcome": "succeeded", "ok": True, "text": "x", "wall_s": 10.0 * i,
                 "latency_s": {"end_of_speech_to_first_motion": first if i <= 30 else last, "command_to_done": 12.0},
                 "nodes": {"sim": {"rss_mb": 300.0, "cpu_pct": 80.0}}} for i in range(1, 61)]

    class Args:
        seed, world, executor, chaos, commands, minutes = 0, "tabletop", "expert", False, 60, 20.0

    goals = {"sent": 60, "accepted": 60, "with_result": 60, "lost_with_dead_planner": 0, "timeout": 0,
             "not_accepted": 0}
    rep = soak.build_report(Args, commands, ["sim"], goals, {"sim": 0}, None, None,
                            [{"file": "recording_000.mcap", "readable": True}], 30.0, 900.0, True, None)
    assert rep["targets"]["first_motion_p50_drift"]["pass"] is ok, rep["latency"]["end_of_speech_to_first_motion"]
