"""One task end to end through the real ROS graph: speech -> planner -> skills -> verification.

Used by ``promptbot run`` (JSON report on stdout) and ``promptbot demo`` (live
terminal view + run folder). Writes ``<out>/``: report.json, report.md,
report.html, plan_tree.svg, episode.mp4, recording.mcap, command.wav, logs/.

Nothing lost: report.json exists from the first moment and is rewritten at every stage
(``"interrupted": true`` until the run ends, see :mod:`promptbot.e2e.report`); a run that fails
with an error (a node gives up, a timeout, Ctrl-C) still writes the whole folder with
``"error"`` set before the error propagates.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPEECH_RATE_HZ = 16000
AUDIO_CHUNK_S = 0.1                  # real-time sized AudioData chunks [s]
TRAILING_SILENCE_S = 1.2             # silence after the command so the VAD ends the utterance [s]


# who executes skills in `promptbot demo`, `promptbot run` and `bench e2e`: the VLA policy node (issue 21: the learned
# policy does the work, through the safety governor); "expert" = the sim's scripted expert, a privileged baseline
DEFAULT_EXECUTOR = "vla"


@dataclass
class RunOptions:
    world: str = "tabletop"
    seed: int = 0
    text: str | None = None           # typed command (no speech)
    say: str | None = None            # spoken with espeak-ng
    audio: Path | None = None         # a WAV file
    executor: str = DEFAULT_EXECUTOR  # vla | expert (sim-only privileged baseline)
    out_dir: Path = Path("runs/run")
    timeout_s: float = 600.0
    live: bool = True
    speak_replies: bool = False
    extra_params: list[str] = field(default_factory=list)


class Timeline:
    def __init__(self, live: bool, on_event=None):
        self.t0 = time.monotonic()
        self.events: list[dict] = []
        self.live = live
        self.on_event = on_event           # called after every event (the incremental report.json)

    def add(self, stage: str, message: str, **data) -> dict:
        e = {"t_s": round(time.monotonic() - self.t0, 3), "stage": stage, "message": message, **data}
        self.events.append(e)
        if self.live:
            print(f"[{e['t_s']:7.2f} s] {stage:>12s}: {message}", file=sys.stderr, flush=True)
        if self.on_event is not None:
            self.on_event()
        return e

    def first(self, stage: str) -> float | None:
        return next((e["t_s"] for e in self.events if e["stage"] == stage), None)


def synthesize(text: str, wav: Path, voice: str = "en-us", wpm: int = 150) -> Path:
    """espeak-ng -> 16 kHz mono 16-bit WAV."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed (run scripts/setup.sh)")
    raw = wav.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["sox", str(raw), "-r", str(SPEECH_RATE_HZ), "-c", "1", "-b", "16", str(wav)], check=True,
                   capture_output=True, timeout=60)
    raw.unlink(missing_ok=True)
    return wav


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="int16", always_2d=True)
    return data, rate


def speak_reply(text: str) -> None:
    if shutil.which("espeak-ng"):
        subprocess.Popen(["espeak-ng", text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_episode(opts: RunOptions) -> dict:
    from action_msgs.msg import GoalStatus  # noqa: F401  (message package must exist)
    from geometry_msgs.msg import TwistStamped
    from promptbot.ros.actions import ActionClient
    from std_msgs.msg import String

    from promptbot.e2e.recorder import GraphRecorder
    from promptbot.e2e.report import write_partial
    from promptbot.e2e.session import GraphSession
    from promptbot.ros import qos
    from promptbot_msgs.action import ExecuteSkill, RunTask
    from promptbot_msgs.msg import AudioData, SceneState, TaskPlan, Transcript
    from promptbot_msgs.srv import CheckTask

    out = Path(opts.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {"world": opts.world, "seed": opts.seed, "executor": opts.executor,
                    "command": {"text": opts.text, "say": opts.say, "audio": str(opts.audio) if opts.audio else None},
                    "success": False, "run_dir": str(out)}
    tl = Timeline(opts.live, on_event=lambda: write_partial({**report, "timeline": tl.events}, out))
    write_partial(report, out)
    held: dict = {"rec": None}        # the recorder once it exists: closed by _finish on any error
    try:
        spoken = opts.say is not None or opts.audio is not None
        wav = None
        if opts.say is not None:
            wav = synthesize(opts.say, out / "command.wav")
        elif opts.audio is not None:
            wav = Path(opts.audio)
            if not wav.is_file():
                raise FileNotFoundError(f"audio file {wav} not found")
        # a scripted run has nobody to answer a read-back question: the read-back of unsure hearings is off
        # (config/planner_node.yaml has it on for a robot; extra_params may turn it on here too)
        params = [f"sim.world:={opts.world}", f"sim.seed:={opts.seed}", "planner.listen_transcripts:=false",
                  "planner.confirm_below_speech_confidence:=0.0", *opts.extra_params]
        nodes = {"sim", "safety", "perception", "planner"} | ({"speech"} if spoken else set())
        if opts.executor == "vla":
            nodes.add("vla")
        else:
            params.append("sim.expert_skill_server:=true")
        tl.add("start", f"starting {', '.join(sorted(nodes))} on world {opts.world!r} seed {opts.seed}")
        with GraphSession("sim", out / "logs", params=params, only=nodes) as gs:
            node = gs.node
            rec = held["rec"] = GraphRecorder(node, out)
            run_client = ActionClient(node, RunTask, "/planner/run_task")
            skill_client = ActionClient(node, ExecuteSkill, "/policy/execute_skill")
            check = node.create_client(CheckTask, "/sim/check_task")
            transcripts: list = []
            transcript_sub = node.create_subscription(Transcript, "/speech/transcript", transcripts.append, qos.EVENTS)
            plans: list = []
            node.create_subscription(TaskPlan, "/planner/plan", plans.append, qos.LATCHED)
            trees: list = []
            node.create_subscription(String, "/planner/tree_svg", lambda m: trees.append(m.data), qos.LATCHED)
            # stamp of the latest ground truth: the command's start, the reference of the check's unmoved(x)
            gt_stamp: list = []

            def on_gt(msg: SceneState) -> None:
                gt_stamp[:] = [msg.header.stamp]
            node.create_subscription(SceneState, "/sim/ground_truth", on_gt, qos.LATCHED)
            motion = {}

            def on_cmd(msg: TwistStamped) -> None:
                v = msg.twist.linear
                if "t" not in motion and abs(v.x) + abs(v.y) + abs(v.z) > 1e-4:
                    motion["t"] = time.monotonic()
            node.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", on_cmd, qos.COMMAND)
            gs.wait(lambda: run_client.server_is_ready() and skill_client.server_is_ready()
                    and check.service_is_ready() and bool(gt_stamp), 180.0, "the planner, the skill executor and the sim")
            if spoken:
                audio_pub = node.create_publisher(AudioData, "/audio/audio", 50)
                # both directions matched before speaking: a transcript published before the speech node's
                # publisher has discovered this subscription is lost (volatile QoS; seen once in CI under load)
                gs.wait(lambda: audio_pub.get_subscription_count() > 0 and transcript_sub.get_publisher_count() > 0,
                        120.0, "the speech node")
            rec.status_lines = ["loading the planner's LLM ..."]
            status = gs.wait_planner()
            tl.add("ready", "graph is up" if status == "ready" else f"graph is up; planner: {status}")

            # ---- hear ---------------------------------------------------------------------
            text = opts.text
            heard: dict = {}                   # a spoken command's n-best and confidence, for the planner
            since = gt_stamp[0]                # the world as the command is given (nothing moves before it)
            if spoken:
                rec.status_lines = ["listening ..."]
                data, rate = _read_wav(wav)
                pad = np.zeros((int(TRAILING_SILENCE_S * rate), data.shape[1]), np.int16)
                pcm = np.concatenate([data, pad])
                step = int(AUDIO_CHUNK_S * rate)
                tl.add("listening", f"speaking {wav.name} ({len(data) / rate:.1f} s) on /audio/audio")
                t_next = time.monotonic()
                for i in range(0, len(pcm), step):
                    chunk = pcm[i:i + step]
                    msg = AudioData(sample_rate=rate, channels=pcm.shape[1], encoding=AudioData.ENCODING_S16LE)
                    msg.header.stamp = node.get_clock().now().to_msg()
                    msg.data = chunk.tobytes()
                    audio_pub.publish(msg)
                    if i + step >= len(data) and "eos" not in motion:
                        motion["eos"] = time.monotonic()          # end of speech (last speech chunk sent)
                    t_next += AUDIO_CHUNK_S
                    time.sleep(max(0.0, t_next - time.monotonic()))
                gs.wait(lambda: bool(transcripts), 60.0, "the transcript")
                tr = transcripts[0]
                t_heard = time.monotonic()
                report["transcript"] = {"text": tr.text, "confidence": tr.confidence, "no_speech_prob": tr.no_speech_prob,
                                        "is_command": tr.is_command, "error_code": tr.error_code,
                                        "error_msg": tr.error_msg, "processing_time_s": tr.processing_time,
                                        "audio_duration_s": tr.audio_duration}
                report["latency_s"] = {"end_of_speech_to_transcript": t_heard - motion["eos"]}
                tl.add("heard", f"{tr.text!r} (confidence {tr.confidence:.2f})")
                if tr.error_code != Transcript.OK or not tr.is_command:
                    report["error"] = f"not acted on: {tr.error_msg or 'not a confident command'}"
                    tl.add("refused", report["error"])
                    return _finish(report, tl, rec, out, plans)
                text = tr.text
                heard = {"transcripts": list(tr.nbest_text) or [text], "speech_confidence": float(tr.confidence)}
            else:
                t_heard = time.monotonic()
                report["latency_s"] = {}
            rec.status_lines = [f"heard: {text}"]

            # ---- plan + execute -------------------------------------------------------------
            feedback: list = []

            def on_fb(fb) -> None:
                f = fb.feedback
                feedback.append(f)
                label = {"executing": f"step {f.step_index + 1}/{f.step_count}"}.get(f.stage, f.stage)
                rec.status_lines = [f"command: {text}", f"{f.stage}: {f.message}"[:90]]
                tl.add(f.stage, f"{label}: {f.message}" if f.stage == "executing" else f.message)
                if opts.speak_replies and f.stage == "planned":
                    speak_reply(f.message)

            goal_future = run_client.send_goal_async(RunTask.Goal(instruction=text, **heard), feedback_callback=on_fb)
            gs.wait(goal_future.done, 30.0, "the planner to accept the task")
            handle = goal_future.result()
            if not handle.accepted:
                report["error"] = "the planner rejected the task"
                return _finish(report, tl, rec, out, plans)
            result_future = handle.get_result_async()
            gs.wait(result_future.done, opts.timeout_s, "the task to finish", fatal=("planner",))
            res = result_future.result().result
            t_done = time.monotonic()
            report["result"] = {"error_code": res.error_code, "error_msg": res.error_msg}
            report["plan"] = _plan_dict(res.plan)
            tl.add("finished", f"planner: {res.error_msg}")
            if opts.speak_replies:
                speak_reply(res.error_msg)
            t_plan = next((e for e in tl.events if e["stage"] == "planned"), None)
            if t_plan is not None:
                report["latency_s"]["transcript_to_plan"] = t_plan["t_s"] - (t_heard - tl.t0)
            if "t" in motion:
                ref = motion.get("eos", t_heard)
                report["latency_s"]["end_of_speech_to_first_motion" if "eos" in motion else "command_to_first_motion"] = \
                    motion["t"] - ref
            report["latency_s"]["task_time"] = t_done - t_heard

            # ---- verify against simulator ground truth ----------------------------------------
            if res.plan.goal:
                fut = check.call_async(CheckTask.Request(goal=res.plan.goal, since=since))
                gs.wait(fut.done, 20.0, "the ground-truth check")
                chk = fut.result()
                report["ground_truth_check"] = {"goal": res.plan.goal, "success": chk.success, "reason": chk.reason,
                                                "error_code": chk.error_code, "error_msg": chk.error_msg,
                                                "since_s": since.sec + since.nanosec * 1e-9}
                tl.add("verified", f"ground truth: {'goal holds' if chk.success else 'goal does NOT hold'} ({chk.reason})")
                report["success"] = bool(res.error_code == RunTask.Result.SUCCEEDED and chk.success)
            if trees:
                report["plan_tree_svg"] = trees[-1]
            return _finish(report, tl, rec, out, plans)
    except BaseException as exc:
        if not report.get("finished"):          # a complete run folder for a failed run too
            if isinstance(exc, KeyboardInterrupt):
                report["interrupted"] = True
            report["error"] = report.get("error") or f"{type(exc).__name__}: {exc}"
            tl.on_event = None
            tl.add("error", report["error"])
            _finish(report, tl, held["rec"], out, [])
        raise


def _plan_dict(plan) -> dict:
    return {"instruction": plan.instruction, "goal": plan.goal, "llm_calls": plan.llm_calls,
            "planning_time_s": plan.planning_time, "error_code": plan.error_code, "error_msg": plan.error_msg,
            "steps": [{"index": s.index, "skill": s.skill, "args": list(s.args), "instruction": s.instruction,
                       "prior": s.prior, "value": s.value, "visits": s.visits, "status": s.status,
                       "verification": s.verification} for s in plan.steps]}


def _finish(report: dict, tl: Timeline, rec, out: Path, plans: list) -> dict:
    from promptbot.e2e.report import write_reports

    report["recorded_messages"] = rec.close() if rec is not None else {}
    report["timeline"] = tl.events
    write_reports(report, out)
    return report
