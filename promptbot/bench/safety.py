"""Safety benchmark: governor latency (core and node relay), fuzzing, faults, prompt-guard rates.

``promptbot bench safety [--json] [--quick] [--no-node]``

Measured, not assumed:
- governor core: time per call of ``filter_twist`` / ``tick`` / ``filter_gripper`` /
  ``filter_trajectory`` and of the Panda FK (pure Python, this process);
- node: the safety node's twist callback timed inside the node's own process
  (``promptbot.bench._callback_timer``; message in -> governor -> checked message
  published, no transport): the latency the governor adds per command; and policy -> safety_node -> arm end-to-end latency beside a
  plain relay process with no checks (messages alternating between the two);
  the difference of the medians is reported but is noisy on a loaded machine;
- faults injected into the running node: policy goes silent (time to zero
  velocity), /joint_states go stale (hold), e-stop by topic and by service
  (time to zero, latched until release);
- fuzzing: random malformed inputs into every governor interface and every
  subscribed topic of the running node; crashes = exceptions out of the core,
  or a node that died, logged a traceback, or stopped answering;
- prompt guard: refusal rate on the adversarial list, pass rate on the benign list.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import threading
import time

TARGET_LATENCY_MS = 1.0
# An e-stop request itself travels over DDS (topic or service) before the node can act; on a loaded
# 2-core CI machine that alone takes up to ~10-20 ms. "survived" allows this; the strict
# one-control-period figure is reported beside it.
TRANSPORT_ALLOWANCE_S = 0.02
PLAIN_IN, PLAIN_OUT = "/bench/plain_relay/in", "/bench/plain_relay/out"   # baseline relay topics
EDGE_FLOATS = (0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, math.nan, math.inf, -math.inf, 0.25, -0.3, 5.0, 1e9)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    parser.add_argument("--no-node", action="store_true", help="skip the ROS node part (pure core only)")
    parser.add_argument("--seed", type=int, default=0, help="fuzzing seed")


def _log(msg: str) -> None:
    print(f"[bench safety] {msg}", file=sys.stderr, flush=True)


def _stats(values_s: list[float], scale: float) -> dict:
    if not values_s:
        return {"n": 0}
    v = sorted(x * scale for x in values_s)
    return {
        "n": len(v),
        "mean": round(statistics.fmean(v), 4),
        "p50": round(v[len(v) // 2], 4),
        "p99": round(v[min(len(v) - 1, int(len(v) * 0.99))], 4),
        "max": round(v[-1], 4),
    }


# ---------------------------------------------------------------- random inputs
def _rfloat(rng: random.Random) -> float:
    return rng.choice(EDGE_FLOATS) if rng.random() < 0.4 else rng.uniform(-3.0, 3.0)


def _rtext(rng: random.Random, max_len: int = 60) -> str:
    pools = ["panda_link0", "", "\x00", "é", "\U0001F916", "\u200b", "a", "panda_joint1", " ", "\ud7ff", "\u202e"]
    if rng.random() < 0.05:
        return "x" * rng.randint(1000, 20000)
    return "".join(rng.choice(pools) for _ in range(rng.randint(0, max_len // 10)))


def _rnames(rng: random.Random) -> list[str]:
    from promptbot.safety.kinematics import ARM_JOINTS, FINGER_JOINTS

    if rng.random() < 0.3:
        return list(ARM_JOINTS) + list(FINGER_JOINTS)
    pool = list(ARM_JOINTS) + list(FINGER_JOINTS) + ["", "x", "panda_joint8"]
    return [rng.choice(pool) if rng.random() < 0.8 else _rtext(rng) for _ in range(rng.randint(0, 12))]


# ---------------------------------------------------------------- pure core
def bench_core(n: int, fuzz_n: int, seed: int) -> dict:
    from promptbot.safety.governor import EEPose, Governor, JointSample, Trajectory, TrajectoryPoint, Twist
    from promptbot.safety.kinematics import ARM_JOINTS, Q_READY, arm_joints_from, tcp_position

    rng = random.Random(seed)
    g = Governor()
    pos = tcp_position(Q_READY)
    cmds = [Twist((rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)),
                  (rng.uniform(-1.5, 1.5), 0.0, rng.uniform(-1.5, 1.5))) for _ in range(256)]
    twist_t, tick_t, grip_t, fk_t = [], [], [], []
    clock = 0.0
    for i in range(n):
        clock += 0.005
        ee = EEPose(pos, clock)
        t0 = time.perf_counter()
        g.filter_twist(cmds[i % 256], ee, clock)
        t1 = time.perf_counter()
        g.tick(ee, clock + 0.0025)
        t2 = time.perf_counter()
        g.filter_gripper(0.1 if i % 2 else 0.03, clock)
        t3 = time.perf_counter()
        tcp_position(Q_READY)
        t4 = time.perf_counter()
        twist_t.append(t1 - t0)
        tick_t.append(t2 - t1)
        grip_t.append(t3 - t2)
        fk_t.append(t4 - t3)
    traj = Trajectory(ARM_JOINTS, tuple(
        TrajectoryPoint(tuple(Q_READY + 0.02 * k), time_from_start=0.5 * (k + 1)) for k in range(10)))
    traj_t = []
    for _ in range(max(20, n // 50)):
        t0 = time.perf_counter()
        out, _ = g.filter_trajectory(traj, JointSample(tuple(Q_READY), clock), clock)
        traj_t.append(time.perf_counter() - t0)
    assert out is not None

    # fuzzing the core
    tried = {"twist": 0, "gripper": 0, "trajectory": 0, "joint_states": 0}
    crashes = {k: 0 for k in tried}
    unsafe = 0
    gf = Governor()
    clock = 0.0
    for i in range(fuzz_n):
        clock += rng.choice((0.0, 0.001, 0.01, 0.3, -0.01))
        ee = EEPose(tuple(_rfloat(rng) for _ in range(3)), clock - abs(_rfloat(rng)) % 1.0) if rng.random() < 0.8 else None
        try:
            tried["twist"] += 1
            cmd = Twist(tuple(_rfloat(rng) for _ in range(3)), tuple(_rfloat(rng) for _ in range(3)),
                        rng.choice(["panda_link0", "", _rtext(rng)]))
            out, _ = gf.filter_twist(cmd, ee, clock) if rng.random() < 0.7 else gf.tick(ee, clock)
            v = out.linear + out.angular
            if (not all(math.isfinite(x) for x in v) or math.hypot(*out.linear) > gf.config.max_linear_speed + 1e-9
                    or math.hypot(*out.angular) > gf.config.max_angular_speed + 1e-9):
                unsafe += 1
            if rng.random() < 0.01:
                gf.estop("fuzz", clock) if rng.random() < 0.5 else gf.release(clock)
        except Exception:  # noqa: BLE001 - counting crashes is the point
            crashes["twist"] += 1
        try:
            tried["gripper"] += 1
            w, _ = gf.filter_gripper(_rfloat(rng), clock)
            if w is not None and not (0.0 <= w <= 0.08):
                unsafe += 1
        except Exception:  # noqa: BLE001
            crashes["gripper"] += 1
        try:
            tried["joint_states"] += 1
            names = _rnames(rng)
            try:
                reading = arm_joints_from(names, [_rfloat(rng) for _ in range(len(names) if rng.random() < 0.8 else rng.randint(0, 12))])
                tcp_position(reading.q)
            except ValueError:
                pass   # a clear refusal, not a crash
        except Exception:  # noqa: BLE001
            crashes["joint_states"] += 1
        if i % 4 == 0:
            try:
                tried["trajectory"] += 1
                names = _rnames(rng)[:9]
                pts = tuple(TrajectoryPoint(tuple(_rfloat(rng) * 0.3 + Q_READY[k % 7] for k in range(rng.randint(0, 9))),
                                            tuple(_rfloat(rng) for _ in range(rng.choice((0, len(names))))),
                                            (), _rfloat(rng)) for _ in range(rng.randint(0, 4)))
                gf.filter_trajectory(Trajectory(tuple(names), pts),
                                     JointSample(tuple(Q_READY), clock) if rng.random() < 0.9 else None, clock)
            except Exception:  # noqa: BLE001
                crashes["trajectory"] += 1
    return {
        "latency_us": {
            "filter_twist": _stats(twist_t, 1e6),
            "tick": _stats(tick_t, 1e6),
            "filter_gripper": _stats(grip_t, 1e6),
            "tcp_fk": _stats(fk_t, 1e6),
            "filter_trajectory_10pt": _stats(traj_t, 1e6),
        },
        "fuzz_inputs_tried": tried,
        "crashes": crashes,
        "unsafe_outputs": unsafe,
    }


def bench_prompt_guard() -> dict:
    from promptbot.safety.adversarial import ADVERSARIAL, BENIGN
    from promptbot.safety.prompt_guard import classify

    refused = matched = 0
    times = []
    failures = []
    for text, category in ADVERSARIAL:
        t0 = time.perf_counter()
        v = classify(text)
        times.append(time.perf_counter() - t0)
        refused += not v.ok
        matched += (not v.ok) and v.category == category
        if v.ok:
            failures.append(f"not refused: {text!r}")
    passed = 0
    for text in BENIGN:
        t0 = time.perf_counter()
        v = classify(text)
        times.append(time.perf_counter() - t0)
        passed += v.ok
        if not v.ok:
            failures.append(f"benign refused: {text!r} ({v.reason})")
    return {
        "adversarial": len(ADVERSARIAL),
        "refused": refused,
        "refusal_rate": round(refused / len(ADVERSARIAL), 4),
        "category_match_rate": round(matched / len(ADVERSARIAL), 4),
        "benign": len(BENIGN),
        "passed": passed,
        "benign_pass_rate": round(passed / len(BENIGN), 4),
        "screen_latency_us": _stats(times, 1e6),
        "failures": failures,
    }


# ---------------------------------------------------------------- node part
def _plain_relay_main() -> None:
    """A relay with no checks (the baseline for the node's added latency)."""
    import rclpy
    from geometry_msgs.msg import TwistStamped
    from rclpy.executors import ExternalShutdownException

    from promptbot.ros.qos import COMMAND

    rclpy.init()
    node = rclpy.create_node("plain_relay")
    pub = node.create_publisher(TwistStamped, PLAIN_OUT, COMMAND)
    node.create_subscription(TwistStamped, PLAIN_IN, pub.publish, COMMAND)
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


SAFETY_NODE = "promptbot.nodes.safety_node"     # started as a process by its module name


def _safety_args() -> list[str]:
    from promptbot.paths import config_dir

    return ["--ros-args", "--params-file", str(config_dir() / "safety_node.yaml")]


def bench_node_callback(n: int) -> dict:
    """Per-command cost inside the safety node: message in -> governor -> message published.

    The real node runs as a process under :mod:`promptbot.bench._callback_timer`, which times its
    twist callback in that process; ``n`` commands arrive over DDS at 200 Hz (one in ten over
    the angular speed limit, so it is clamped), joint states at 50 Hz, and the checked command
    goes out to a matched subscriber (this process). Transport is excluded: only the callback,
    as wall time and as the thread's CPU time (which leaves out preemption on a loaded machine).
    """
    import tempfile
    from pathlib import Path

    from promptbot.ros.harness import InProcessNode, SafetyRig
    from promptbot.testing import NodeProcess, isolated_env

    env = isolated_env()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "twist_callback.json"
        proc = NodeProcess("promptbot.bench._callback_timer",
                           [str(out), SAFETY_NODE, "SafetyNode._on_twist", *_safety_args()],
                           env=env, name="safety_node_timed")
        code = None
        with InProcessNode(env, f"bench_safety_cb_{os.getpid()}") as node:
            rig = SafetyRig(node, proc.start())
            try:
                rig.wait_ready()
                for i in range(n):
                    clamped = i % 10 == 9
                    rig.twist((0.02 * math.sin(i * 0.01), 0.0, 0.0), (0.0, 0.0, 3.0 if clamped else 0.0))
                    time.sleep(0.005)
                rig.wait_states(3)            # the last commands are handled before the node stops
            finally:
                code = proc.stop()
        if code != 0 or not out.is_file():
            raise RuntimeError(f"timed safety node exited {code}: {proc.output()[-2000:]}")
        timed = json.loads(out.read_text())
    return {"twist_callback_us": _stats(timed["durations_s"], 1e6), "twist_callback_cpu_us": _stats(timed["cpu_s"], 1e6),
            "commands_sent": n, "callbacks_timed": len(timed["durations_s"])}


def _relay_latency(g, pub_plain, plain_rx: list, n: int) -> tuple[list[float], list[float]]:
    """Paired e2e latency [s]: the safety node and the plain relay, messages alternating.

    Each message carries an id in angular.z; the latency is publish -> first relayed copy.
    Alternating keeps both paths under the same machine load.
    """
    sent = {"safety": {}, "plain": {}}
    g.twist()               # start from rest (acceleration limit)
    time.sleep(0.1)
    t_start = time.monotonic()                  # the rig's receive times are monotonic too
    for i in range(1, n + 1):
        for path, pub in (("safety", g.pub_twist), ("plain", pub_plain)):
            sent[path][i] = time.monotonic()
            g.twist(ang=(0.0, 0.0, i * 1e-4), pub=pub)
        time.sleep(0.01)
    time.sleep(0.3)
    out = {}
    for path, rx in (("safety", g.since(t_start)), ("plain", [r for r in list(plain_rx) if r[0] >= t_start])):
        seen, lat = set(), []
        for t, v in rx:
            i = int(round(v[5] / 1e-4))
            if i in sent[path] and i not in seen and abs(v[5] - i * 1e-4) < 1e-9:
                seen.add(i)
                lat.append(t - sent[path][i])
        out[path] = lat
    return out["safety"], out["plain"]


def bench_node(n_msgs: int, fuzz_n: int, seed: int) -> dict:
    from geometry_msgs.msg import TwistStamped

    from promptbot.ros.harness import InProcessNode, SafetyRig, twist_values
    from promptbot.ros.qos import COMMAND
    from promptbot.testing import NodeProcess, isolated_env, wait_for

    rng = random.Random(seed)
    _log("node: the safety node's twist callback, timed in its process")
    result: dict = {"callback": bench_node_callback(2 * n_msgs)}
    env = isolated_env()
    with InProcessNode(env, f"bench_safety_{os.getpid()}") as ros:
        _log("node: safety node relay vs plain relay (paired)")
        relay = NodeProcess("promptbot.bench.safety", ["--plain-relay"], env=env, name="plain_relay").start()
        node = NodeProcess(SAFETY_NODE, _safety_args(), env=env, name="safety_node").start()
        g = SafetyRig(ros, node)
        plain_rx: list[tuple[float, tuple]] = []          # (monotonic receive time, twist values)
        pub_plain = ros.create_publisher(TwistStamped, PLAIN_IN, COMMAND)
        sub_plain = ros.create_subscription(TwistStamped, PLAIN_OUT,
                                            lambda m: plain_rx.append((time.monotonic(), twist_values(m))), 100)
        try:
            g.wait_ready()
            wait_for(lambda: pub_plain.get_subscription_count() > 0 and sub_plain.get_publisher_count() > 0,
                     20.0, what="plain relay")
            time.sleep(0.5)
            gov, base = _relay_latency(g, pub_plain, plain_rx, n_msgs)
            relay.stop()
            b50 = statistics.median(base) if base else math.nan
            s50 = statistics.median(gov) if gov else math.nan
            result["relay"] = {
                "safety_node_e2e_ms": _stats(gov, 1e3),
                "plain_relay_e2e_ms": _stats(base, 1e3),
                "added_latency_ms_p50": round((s50 - b50) * 1e3, 4),
                "delivered": {"safety": f"{len(gov)}/{n_msgs}", "plain": f"{len(base)}/{n_msgs}"},
            }
            result["faults"] = _faults(g)
            result["fuzz"] = _fuzz_node(g, fuzz_n, rng)
        finally:
            relay.stop()
            node.stop()
    return result


def _faults(g) -> dict:
    """Inject faults into the running node (``g``: a ``SafetyRig``). Times are measured on the
    node's own output stamps (system clock, same host) from the moment of the fault, so a slow
    subscriber queue on a loaded machine does not count against the node."""
    from std_msgs.msg import Bool

    from promptbot.ros.harness import is_zero
    from promptbot.testing import wait_for

    def zero_stamp_after(t_event: float, timeout: float):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with g.lock:
                z = next((st for st, v in g.stamped if st >= t_event and is_zero(v)), None)
            if z is not None:
                return z
            time.sleep(0.01)
        return None

    def all_zero_after(t0: float) -> bool:
        with g.lock:
            return all(is_zero(v) for st, v in g.stamped if st > t0)

    faults = {}
    _log("node: fault injection")
    cfg_timeout, cfg_state_timeout, period = 0.2, 0.5, 0.01     # config/safety_node.yaml
    # 1. the policy goes silent mid-motion
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        t_last = time.time()             # when the last command was sent
        g.twist((0.02, 0.0, 0.0))
        time.sleep(0.01)
    z = zero_stamp_after(t_last, 3.0)
    faults["policy_silent"] = {"zero_after_s": round(z - t_last, 4) if z else None,
                               "survived": z is not None and z - t_last <= cfg_timeout + 2 * period + 0.02}
    # 2. /joint_states go stale while the policy keeps commanding
    stop = threading.Event()

    def policy():
        while not stop.is_set():
            g.twist((0.02, 0.0, 0.0))
            time.sleep(0.01)

    th = threading.Thread(target=policy, daemon=True)
    th.start()
    try:
        time.sleep(0.3)
        g.joints_on = False
        time.sleep(0.05)
        t_off = g.last_joints_sent           # when the last joint state was sent
        z = zero_stamp_after(t_off, 3.0)
        time.sleep(0.5)
        held = z is not None and all_zero_after(z)
        faults["joint_states_stale"] = {"zero_after_s": round(z - t_off, 4) if z else None,
                                        "held": held,
                                        "survived": held and z - t_off <= cfg_state_timeout + 2 * period + 0.03}
        g.joints_on = True
        time.sleep(0.3)
        # 3. e-stop mid-stream, by topic and by service: zero within one control period, latched
        for via in ("topic", "service"):
            t0 = time.time()
            if via == "topic":
                g.pub_estop.publish(Bool(data=True))
            else:
                g.call(g.estop_cli)
            z = zero_stamp_after(t0, 3.0)
            time.sleep(0.5)
            latched = z is not None and all_zero_after(z)
            ok = g.call(g.release_cli).success
            t_rel = time.monotonic()
            wait_for(lambda: any(not is_zero(v) for _, v in g.since(t_rel)), 3.0, what="motion after release")
            faults[f"estop_{via}"] = {"zero_after_ms": round((z - t0) * 1e3, 3) if z else None,
                                      "within_one_control_period": z is not None and z - t0 <= period,
                                      "latched": latched, "released": ok,
                                      "survived": latched and ok and z - t0 <= period + TRANSPORT_ALLOWANCE_S}
    finally:
        stop.set()
        th.join(timeout=2.0)
    return faults


def _fuzz_node(g, n: int, rng: random.Random) -> dict:
    """Random malformed inputs into every subscribed topic and service of the node (``g``: a
    ``SafetyRig`` with its ``NodeProcess``)."""
    from sensor_msgs.msg import JointState
    from std_msgs.msg import Float64
    from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

    _log(f"node: fuzzing {n} inputs per interface")
    tried = {"cmd_twist": 0, "gripper_cmd": 0, "joint_states": 0, "joint_trajectory": 0, "services": 0}
    t0 = time.monotonic()
    for i in range(n):
        g.twist(tuple(_rfloat(rng) for _ in range(3)), tuple(_rfloat(rng) for _ in range(3)),
                rng.choice(["panda_link0", "", _rtext(rng)]))
        tried["cmd_twist"] += 1
        g.pub_gripper.publish(Float64(data=_rfloat(rng)))
        tried["gripper_cmd"] += 1
        js = JointState()
        js.name = _rnames(rng)
        js.position = [_rfloat(rng) for _ in range(len(js.name) if rng.random() < 0.7 else rng.randint(0, 12))]
        js.velocity = [_rfloat(rng) for _ in range(rng.randint(0, 3))]
        g.pub_joints.publish(js)
        tried["joint_states"] += 1
        jt = JointTrajectory()
        jt.joint_names = _rnames(rng)[:9]
        for _ in range(rng.randint(0, 4)):
            p = JointTrajectoryPoint()
            p.positions = [_rfloat(rng) for _ in range(rng.randint(0, 9))]
            p.velocities = [_rfloat(rng) for _ in range(rng.choice((0, 7)))]
            p.time_from_start.sec = rng.randint(-2**31, 2**31 - 1)
            p.time_from_start.nanosec = rng.randint(0, 2**32 - 1)
            jt.points.append(p)
        g.pub_traj.publish(jt)
        tried["joint_trajectory"] += 1
        if i % 50 == 0:
            g.call(g.estop_cli if rng.random() < 0.5 else g.release_cli)
            tried["services"] += 1
        time.sleep(0.001)
    time.sleep(0.5)
    rx = g.since(t0)
    unsafe = sum(1 for _, v in rx if not all(math.isfinite(x) for x in v) or math.hypot(*v[:3]) > 0.25 + 1e-9)
    answering = False
    try:
        answering = g.call(g.release_cli, timeout=5.0).success
    except TimeoutError:
        pass
    log = g.proc.output()
    crashed = (not g.proc.alive) or ("Traceback" in log) or not answering
    return {"inputs_tried": tried, "crashes": int(crashed), "node_alive": g.proc.alive, "answering": answering,
            "caught_errors_logged": log.count("[ERROR]") - log.count("E-STOP latched"), "unsafe_outputs": unsafe}


# ---------------------------------------------------------------- entry point
def run(args: argparse.Namespace) -> int:
    quick = getattr(args, "quick", False)
    seed = getattr(args, "seed", 0)
    _log("pure governor core")
    load_start = os.getloadavg()[0]
    report: dict = {"core": bench_core(2000 if quick else 20000, 2000 if quick else 20000, seed)}
    _log("prompt guard")
    report["prompt_guard"] = bench_prompt_guard()
    if not getattr(args, "no_node", False):
        try:
            report["node"] = bench_node(200 if quick else 1000, 200 if quick else 1000, seed)
        except Exception as exc:  # noqa: BLE001 - report, do not hide
            report["node"] = {"error": f"{type(exc).__name__}: {exc}"}
    report["machine"] = {"cpus": os.cpu_count(), "loadavg_1min_start": round(load_start, 2),
                         "loadavg_1min_end": round(os.getloadavg()[0], 2)}
    core_crashes = sum(report["core"]["crashes"].values())
    node = report.get("node", {})
    node_crashes = node.get("fuzz", {}).get("crashes", 0) if "error" not in node else None
    core_p50_ms = report["core"]["latency_us"]["filter_twist"]["p50"] / 1e3
    relay_added = node.get("relay", {}).get("added_latency_ms_p50")
    cb = node.get("callback", {}).get("twist_callback_us", {})
    cb_p50_ms = cb["p50"] / 1e3 if cb.get("n") else None
    cb_cpu = node.get("callback", {}).get("twist_callback_cpu_us", {})
    pg = report["prompt_guard"]
    report["summary"] = {
        "governor_latency_core_ms_p50": round(core_p50_ms, 4),
        "governor_latency_core_ms_p99": round(report["core"]["latency_us"]["filter_twist"]["p99"] / 1e3, 4),
        "node_twist_callback_ms_p50": round(cb_p50_ms, 4) if cb_p50_ms is not None else None,
        "node_twist_callback_ms_p99": round(cb["p99"] / 1e3, 4) if cb.get("n") else None,
        "node_twist_callback_cpu_ms_p50": round(cb_cpu["p50"] / 1e3, 4) if cb_cpu.get("n") else None,
        "node_relay_minus_plain_relay_ms_p50": relay_added,
        "fuzz_inputs_tried": {**{f"core.{k}": v for k, v in report["core"]["fuzz_inputs_tried"].items()},
                              **{f"node.{k}": v for k, v in node.get("fuzz", {}).get("inputs_tried", {}).items()}},
        "crashes": {"core": core_crashes, "node": node_crashes},
        "unsafe_outputs": report["core"]["unsafe_outputs"] + node.get("fuzz", {}).get("unsafe_outputs", 0),
        "faults": {k: {kk: vv for kk, vv in f.items() if kk != "survived"} | {"survived": f.get("survived")}
                   for k, f in node.get("faults", {}).items()},
        "faults_injected": len(node.get("faults", {})),
        "faults_survived": sum(1 for f in node.get("faults", {}).values() if f.get("survived")),
        "adversarial_refusal_rate": pg["refusal_rate"],
        "benign_pass_rate": pg["benign_pass_rate"],
    }
    s = report["summary"]
    report["targets_met"] = {
        # the governor's added latency per command: the pure check, and the node's twist callback
        # (message in -> governor -> checked message published). The paired relay difference is
        # reported beside it but is dominated by scheduling noise on a loaded machine.
        "latency_le_1ms": core_p50_ms <= TARGET_LATENCY_MS and (cb_p50_ms is None or cb_p50_ms <= TARGET_LATENCY_MS),
        "zero_crashes": core_crashes == 0 and node_crashes in (0, None),
        "refusal_100pct": pg["refusal_rate"] == 1.0,
        "benign_100pct": pg["benign_pass_rate"] == 1.0,
    }
    if getattr(args, "json", False):
        print(json.dumps(report, indent=2))
    else:
        for key, value in s.items():
            print(f"{key:40s} {value}")
        print(f"{'targets_met':40s} {report['targets_met']}")
    ok = all(report["targets_met"].values()) and s["unsafe_outputs"] == 0 \
        and s["faults_survived"] == s["faults_injected"]
    return 0 if ok else 1


if __name__ == "__main__":
    if "--plain-relay" in sys.argv:
        _plain_relay_main()
    else:
        p = argparse.ArgumentParser(prog="python -m promptbot.bench.safety")
        add_arguments(p)
        sys.exit(run(p.parse_args()))
