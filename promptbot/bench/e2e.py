"""End to end: CALVIN-style chains of 5 spoken commands through the full ROS graph.

The graph (sim, safety, perception, speech, planner, and the VLA node with
``--executor vla``) is brought up once. Each chain resets the world with
``/sim/reset`` (seed ``--seed + chain index``), then speaks ``--length`` commands in
sequence without a reset: each command is generated from the simulator's current
ground truth by :func:`promptbot.e2e.chains.next_command` (task-library families
that fit the scene as it is now), synthesised with espeak-ng, streamed in real time
as AudioData into the speech node, and its transcript is sent to the planner's
RunTask action (as ``promptbot run`` does). A command succeeds when the planner
reports success *and* the intended goal (the generated one, not the planner's
reading of the transcript) holds in the simulator (``/sim/check_task``). A chain
stops at its first failed command.

Timing per command (monotonic clock of this process):
end of speech (last speech chunk sent) -> transcript received -> plan ("planned"
feedback) -> first motion (an arm joint moved more than ``MOTION_RAD`` from where it
was at the end of speech, from /joint_states: the scripted expert drives the arm
inside the sim node without twist commands) -> done (RunTask result).
``execution_time_s`` runs from the first "executing" feedback to the result: the
executor's own time for the plan (skills plus per-step verification), and
``command_time_s / execution_time_s`` is the overhead of hearing and planning.
``--executor vla`` (the default) runs the VLA policy node; ``--executor expert`` the
sim's scripted expert, the baseline to report beside it.

Progress goes to stderr, the JSON report to stdout with ``--json`` (and to ``--out``).
"""
from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from promptbot.e2e.chains import CHAIN_LENGTH, ChainCommand, chain_seed, next_command, summarize
from promptbot.e2e.runner import DEFAULT_EXECUTOR
from promptbot.policy.paths import graph_command_limit_s

MOTION_RAD = 0.01                    # arm joint displacement that counts as motion [rad]
ARM_JOINTS = tuple(f"panda_joint{i}" for i in range(1, 8))
SCENE_SETTLE_S = 1.0                 # wait after a reset before trusting /perception/scene [s]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chains", type=int, default=50, help="number of chains")
    parser.add_argument("--length", type=int, default=CHAIN_LENGTH, help="commands per chain")
    parser.add_argument("--world", default="tabletop")
    parser.add_argument("--seed", type=int, default=0, help="world seed of the first chain (chain i: seed + i)")
    parser.add_argument("--executor", choices=["expert", "vla"], default=DEFAULT_EXECUTOR,
                        help="who executes skills (as in `promptbot demo`): the VLA policy node (default) or the "
                             "sim's scripted expert (the baseline; run both for a comparison)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="time limit per command [s wall]; default: the graph's own limit for a 2-step command "
                             "(config/planner_node.yaml: (2 + max_replans) x (step_timeout_s + 5 s) x "
                             "wall_backstop_factor, + 60 s; promptbot.policy.paths.graph_command_limit_s)")
    parser.add_argument("--voice", default="en-us", help="espeak-ng voice")
    parser.add_argument("--wpm", type=int, default=150, help="espeak-ng words per minute")
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="folder for node logs and WAVs (default runs/bench-e2e-<time>)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE.NAME:=VALUE",
                        help="extra node parameter, e.g. planner.simulations:=32")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --run-dir: chains already in its chains.jsonl are kept, "
                             "not rerun (every finished chain is appended there as it ends)")
    parser.add_argument("--json", action="store_true", help="JSON report on stdout")


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class ChainDriver:
    """Clients of one running graph: reset, ground truth, speech in, RunTask, ground-truth check."""

    def __init__(self, gs, timeout_s: float):
        from promptbot.ros.actions import ActionClient
        from sensor_msgs.msg import JointState

        from promptbot.ros import qos
        from promptbot_msgs.action import ExecuteSkill, RunTask
        from promptbot_msgs.msg import AudioData, SceneState, Transcript
        from promptbot_msgs.srv import CheckTask, ResetWorld

        self.gs, self.node, self.timeout_s = gs, gs.node, timeout_s
        node = self.node
        self._lock = threading.Lock()
        self.run_client = ActionClient(node, RunTask, "/planner/run_task")
        self.skill_client = ActionClient(node, ExecuteSkill, "/policy/execute_skill")
        self.reset_client = node.create_client(ResetWorld, "/sim/reset")
        self.check_client = node.create_client(CheckTask, "/sim/check_task")
        self.audio_pub = node.create_publisher(AudioData, "/audio/audio", 50)
        self.transcripts: list = []
        self.transcript_sub = node.create_subscription(Transcript, "/speech/transcript", self._on_transcript,
                                                       qos.EVENTS)
        self.gt = (0.0, None)            # (receive time, SceneState)
        node.create_subscription(SceneState, "/sim/ground_truth", self._on_gt, qos.LATCHED)
        self.scene_t = 0.0
        node.create_subscription(SceneState, "/perception/scene", self._on_scene, 10)
        self._q0 = None                  # arm joints at the end of speech; None = not watching
        self._q = None
        self.t_motion = None
        node.create_subscription(JointState, "/joint_states", self._on_joints, 10)

    # --- callbacks ---------------------------------------------------------------------
    def _on_transcript(self, msg) -> None:
        with self._lock:
            self.transcripts.append((time.monotonic(), msg))

    def _on_gt(self, msg) -> None:
        self.gt = (time.monotonic(), msg)

    def _on_scene(self, _msg) -> None:
        self.scene_t = time.monotonic()

    def _on_joints(self, msg) -> None:
        pos = dict(zip(msg.name, msg.position))
        if not all(j in pos for j in ARM_JOINTS):
            return
        q = np.array([pos[j] for j in ARM_JOINTS])
        self._q = q
        if self._q0 is not None and self.t_motion is None and float(np.max(np.abs(q - self._q0))) > MOTION_RAD:
            self.t_motion = time.monotonic()

    # --- graph operations --------------------------------------------------------------
    def wait_ready(self) -> None:
        self.gs.wait(lambda: self.run_client.server_is_ready() and self.skill_client.server_is_ready()
                     and self.reset_client.service_is_ready() and self.check_client.service_is_ready(),
                     240.0, "the planner, the skill executor and the sim")
        self.gs.wait(lambda: self.audio_pub.get_subscription_count() > 0
                     and self.transcript_sub.get_publisher_count() > 0, 120.0, "the speech node")   # see e2e.runner
        self.gs.wait(lambda: self._q is not None and self.gt[1] is not None, 60.0, "joint states and ground truth")
        status = self.gs.wait_planner()
        if status != "ready":
            _progress(f"planner: {status}")

    def _call(self, client, request, timeout: float, what: str):
        fut = client.call_async(request)
        self.gs.wait(fut.done, timeout, what)
        return fut.result()

    def reset(self, world: str, seed: int) -> None:
        from promptbot_msgs.srv import ResetWorld

        res = self._call(self.reset_client, ResetWorld.Request(world=world, seed=seed), 60.0, "the world reset")
        if res.error_code != ResetWorld.Response.OK:
            raise RuntimeError(f"reset {world!r} seed {seed} failed: {res.error_msg}")
        t = time.monotonic()
        self.gs.wait(lambda: self.gt[0] > t and self.scene_t > t + SCENE_SETTLE_S, 60.0,
                     "a fresh scene after the reset")

    def objects(self, newer_than: float):
        """Ground-truth objects from a /sim/ground_truth message received after ``newer_than``."""
        from promptbot.ros.scene_msgs import scene_to_objects

        self.gs.wait(lambda: self.gt[0] > newer_than, 30.0, "fresh ground truth")
        return scene_to_objects(self.gt[1])

    def check(self, goal: str, since) -> tuple[bool, str]:
        """Whether ``goal`` holds in ground truth now; ``unmoved(x)`` compares with the ground truth
        at sim time ``since`` (builtin_interfaces/Time: the command's start)."""
        from promptbot_msgs.srv import CheckTask

        r = self._call(self.check_client, CheckTask.Request(goal=goal, since=since), 30.0, "the ground-truth check")
        if r.error_code != CheckTask.Response.OK:
            return False, f"check error {r.error_code}: {r.error_msg}"
        return bool(r.success), r.reason

    def speak(self, wav: Path) -> float:
        """Stream a WAV into the speech node in real time; the end-of-speech time."""
        from promptbot.e2e.runner import AUDIO_CHUNK_S, TRAILING_SILENCE_S, _read_wav
        from promptbot_msgs.msg import AudioData

        data, rate = _read_wav(wav)
        pcm = np.concatenate([data, np.zeros((int(TRAILING_SILENCE_S * rate), data.shape[1]), np.int16)])
        step = int(AUDIO_CHUNK_S * rate)
        t_eos = None
        t_next = time.monotonic()
        for i in range(0, len(pcm), step):
            msg = AudioData(sample_rate=rate, channels=pcm.shape[1], encoding=AudioData.ENCODING_S16LE)
            msg.header.stamp = self.node.get_clock().now().to_msg()
            msg.data = pcm[i:i + step].tobytes()
            self.audio_pub.publish(msg)
            if i + step >= len(data) and t_eos is None:
                t_eos = time.monotonic()                          # last speech chunk sent
                self.t_motion, self._q0 = None, self._q           # watch the arm from here on
            t_next += AUDIO_CHUNK_S
            time.sleep(max(0.0, t_next - time.monotonic()))
        return t_eos

    def command(self, cmd: ChainCommand, wav: Path) -> dict:
        """Speak one command and run it to the end; a command result for chains.summarize."""
        from promptbot_msgs.action import RunTask
        from promptbot_msgs.msg import Transcript

        r: dict = {**cmd.to_dict(), "success": False, "latency_s": {}}
        with self._lock:
            n_before = len(self.transcripts)
        since = self.gt[1].header.stamp      # the command's start: latest ground truth before it is spoken
        t_eos = self.speak(wav)
        try:
            self.gs.wait(lambda: len(self.transcripts) > n_before, 60.0, "the transcript")
        except TimeoutError:
            self._q0 = None
            r.update(failure="no_transcript", error="no transcript within 60 s")
            return r
        t_heard, tr = self.transcripts[n_before]
        r["transcript"] = {"text": tr.text, "confidence": round(float(tr.confidence), 3),
                           "is_command": bool(tr.is_command)}
        r["latency_s"]["end_of_speech_to_transcript"] = t_heard - t_eos
        if tr.error_code != Transcript.OK or not tr.is_command:
            self._q0 = None
            r.update(failure="not_a_command", error=tr.error_msg or "not a confident command")
            return r

        stages: list[tuple[float, str]] = []

        def on_fb(fb) -> None:
            stages.append((time.monotonic(), fb.feedback.stage))

        goal_future = self.run_client.send_goal_async(RunTask.Goal(instruction=tr.text, transcripts=list(tr.nbest_text) or [tr.text],
                                                                  speech_confidence=float(tr.confidence)),
                                                     feedback_callback=on_fb)
        self.gs.wait(goal_future.done, 30.0, "the planner to accept the task")
        handle = goal_future.result()
        if not handle.accepted:
            self._q0 = None
            r.update(failure="rejected", error="the planner rejected the task")
            return r
        result_future = handle.get_result_async()
        try:
            self.gs.wait(result_future.done, self.timeout_s, "the task to finish", fatal=("planner",))
        except TimeoutError:
            handle.cancel_goal_async()
            self._q0 = None
            r.update(failure="timeout", error=f"no result within {self.timeout_s:.0f} s")
            return r
        except RuntimeError as exc:          # the planner died with the task (it respawns for the next one)
            self._q0 = None
            r.update(failure="node_exited", error=str(exc))
            return r
        t_done = time.monotonic()
        self._q0 = None
        res = result_future.result().result
        t_planned = next((t for t, s in stages if s == "planned"), None)
        t_exec = next((t for t, s in stages if s == "executing"), None)
        lat = r["latency_s"]
        if t_planned is not None:
            lat["transcript_to_plan"] = t_planned - t_heard
        if self.t_motion is not None:
            lat["end_of_speech_to_first_motion"] = self.t_motion - t_eos
            if t_planned is not None:
                lat["plan_to_first_motion"] = self.t_motion - t_planned
        lat["end_of_speech_to_done"] = t_done - t_eos
        r["command_time_s"] = t_done - t_eos
        if t_exec is not None:
            r["execution_time_s"] = t_done - t_exec
        r["planner"] = {"error_code": int(res.error_code), "error_msg": res.error_msg, "goal": res.plan.goal,
                        "steps": [[s.skill, list(s.args)] for s in res.plan.steps],
                        "planning_time_s": round(float(res.plan.planning_time), 3),
                        "replans": sum(1 for _t, s in stages if s == "replanning")}
        r["goal_understood"] = res.plan.goal == cmd.goal
        ok, reason = self.check(cmd.goal, since)
        r["ground_truth"] = {"success": ok, "reason": reason}
        r["success"] = bool(res.error_code == RunTask.Result.SUCCEEDED and ok)
        if not r["success"]:
            if res.error_code != RunTask.Result.SUCCEEDED:
                r["failure"] = {RunTask.Result.REFUSED: "refused", RunTask.Result.AMBIGUOUS: "ambiguous",
                                RunTask.Result.IMPOSSIBLE: "impossible",
                                RunTask.Result.PLANNING_FAILED: "planning_failed",
                                RunTask.Result.EXECUTION_FAILED: "execution_failed",
                                RunTask.Result.STALE_INPUT: "stale_input"}.get(res.error_code, "planner_error")
            else:
                r["failure"] = "wrong_goal" if not r["goal_understood"] else "goal_not_reached"
            r["error"] = res.error_msg if res.error_code != RunTask.Result.SUCCEEDED else reason
        return r


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 3) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


def run(args: argparse.Namespace) -> int:
    import logging
    import shutil

    from promptbot.e2e.runner import synthesize
    from promptbot.e2e.session import GraphSession

    logging.basicConfig(level=logging.WARNING)

    def _stop(signum, _frame):              # SIGTERM (and SIGINT of a background job): report what is done
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.chains < 1 or args.length < 1:
        raise SystemExit("--chains and --length must be >= 1")
    if args.resume and args.run_dir is None:
        raise SystemExit("--resume needs the --run-dir of the run to continue")
    if not shutil.which("espeak-ng"):
        raise SystemExit("espeak-ng is not installed (run scripts/setup.sh)")
    run_dir = args.run_dir or Path("runs") / time.strftime("bench-e2e-%Y%m%d-%H%M%S")
    (run_dir / "wav").mkdir(parents=True, exist_ok=True)
    # a scripted speaker answers no read-back question: the read-back of unsure hearings is off (--param can set it)
    params = [f"sim.world:={args.world}", f"sim.seed:={chain_seed(args.seed, 0)}",
              "planner.listen_transcripts:=false", "planner.confirm_below_speech_confidence:=0.0", *args.param]
    nodes = {"sim", "safety", "perception", "speech", "planner"}
    if args.executor == "vla":
        nodes.add("vla")
    else:
        params.append("sim.expert_skill_server:=true")

    chains: list[list[dict]] = []
    meta: list[dict] = []
    journal = run_dir / "chains.jsonl"
    if args.resume:
        for line in journal.read_text().splitlines() if journal.exists() else []:
            row = json.loads(line)
            chains.append(row.pop("commands"))
            meta.append(row)
        _progress(f"bench e2e: resuming after {len(chains)} finished chain(s) from {journal}")
    elif journal.exists():
        journal.unlink()                     # a fresh run in a reused folder
    t_start = time.monotonic()
    interrupted, error = False, None
    _progress(f"bench e2e: starting {', '.join(sorted(nodes))} (logs in {run_dir / 'logs'})")
    gs = GraphSession("sim", run_dir / "logs", params=params, only=nodes)
    try:
        gs.start()
        driver = ChainDriver(gs, args.timeout if args.timeout is not None else graph_command_limit_s())
        driver.wait_ready()
        t_up = time.monotonic() - t_start
        _progress(f"bench e2e: graph up after {t_up:.1f} s")
        for ci in range(len(chains), args.chains):
            seed = chain_seed(args.seed, ci)
            t_chain = time.monotonic()
            driver.reset(args.world, seed)
            results: list[dict] = []
            earlier: list[ChainCommand] = []
            t_last = time.monotonic()
            for pos in range(1, args.length + 1):
                objects = driver.objects(newer_than=t_last)
                cmd = next_command(args.world, seed, pos, objects, earlier)
                if cmd is None:
                    _progress(f"[chain {ci + 1}/{args.chains} seed {seed}] no feasible command at position {pos}")
                    results.append({"position": pos, "success": False, "failure": "no_feasible_command"})
                    break
                wav = synthesize(cmd.instruction, run_dir / "wav" / f"chain{ci:03d}_{pos}.wav",
                                 voice=args.voice, wpm=args.wpm)
                r = driver.command(cmd, wav)
                t_last = time.monotonic()
                results.append(r)
                earlier.append(cmd)
                lat = r.get("latency_s", {})
                fm = lat.get("end_of_speech_to_first_motion")
                _progress(f"[chain {ci + 1}/{args.chains} seed {seed} cmd {pos}/{args.length}] "
                          f"{cmd.instruction!r} heard {r.get('transcript', {}).get('text', '')!r} -> "
                          f"{'OK' if r['success'] else 'FAILED (' + r.get('failure', '?') + ': ' + str(r.get('error', ''))[:100] + ')'}"
                          f"; speech->motion {fm if fm is None else round(fm, 2)} s, "
                          f"command {r.get('command_time_s', float('nan')):.1f} s")
                if not r["success"]:
                    break
            chains.append(results)
            wall = time.monotonic() - t_chain
            meta.append({"index": ci, "seed": seed, "wall_time_s": wall})
            with journal.open("a") as fh:
                fh.write(json.dumps(_round({**meta[-1], "commands": results}), default=str) + "\n")
            done = sum(1 for r in results if r.get("success"))
            _progress(f"[chain {ci + 1}/{args.chains}] completed {done}/{args.length} in {wall:.0f} s; "
                      f"average so far {np.mean([sum(1 for r in c if r.get('success')) for c in chains]):.2f}")
    except KeyboardInterrupt:
        interrupted = True
        _progress("bench e2e: interrupted; reporting the finished chains")
    except (RuntimeError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        _progress(f"bench e2e: stopped: {error}")
    finally:
        gs.stop()

    report = {
        "benchmark": "e2e",
        "world": args.world, "seed": args.seed, "executor": args.executor,
        "chains_requested": args.chains,
        **summarize(chains, args.length),
        "wall_time_s": {"total": time.monotonic() - t_start,
                        "per_chain": [m["wall_time_s"] for m in meta]},
        "notes": {
            "commands": "generated per position from the simulator's current ground truth with "
                        "promptbot.e2e.chains.next_command (task-library families, feasible now, not undoing "
                        "earlier commands where possible); spoken with espeak-ng through the speech node",
            "success": "planner reports success and the generated goal holds in simulator ground truth",
            "first_motion": f"an arm joint moved > {MOTION_RAD} rad from its position at the end of speech",
            "task_time": "command = end of speech -> RunTask result; execution = first 'executing' feedback -> "
                         "result (skills + step verification), i.e. the executor's own time for the same plan"
                         + (" (the scripted expert)" if args.executor == "expert" else
                            " (the VLA; no expert reference is measured in this mode)"),
            "calvin": "CALVIN's best published average length is ~4.4 on its own, different tasks "
                      "(quoted for scale only)",
        },
        "run_dir": str(run_dir),
        "chain_details": [{**m, "commands": c} for m, c in zip(meta, chains)],
    }
    if interrupted:
        report["interrupted"] = True
    if error:
        report["error"] = error
    report = _round(report)
    text = json.dumps(report, indent=2, default=str)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    if args.json:
        print(text)
    else:
        t = report["targets"]
        print(f"average chain length {report['avg_chain_length']:.2f} over {report['chains']} chain(s) "
              f"(target >= 4.0: {'pass' if t['avg_chain_length']['pass'] else 'FAIL'}); "
              f"end of speech -> first motion median "
              f"{t['end_of_speech_to_first_motion_median_s']['value']} s "
              f"(target <= 3 s: {'pass' if t['end_of_speech_to_first_motion_median_s']['pass'] else 'FAIL'})")
    return 1 if error else 0
