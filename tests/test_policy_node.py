"""Graph test: the committed VLA checkpoint completes one pick in simulation.

sim node + safety governor + VLA policy node run as separate processes (the
policy's commands reach the arm only through the governor). The scene camera is
rendered at the training resolution (96 x 96) so the test measures the policy,
not a resize. Success is judged from the sim's ground truth, not from the
policy's own done flag: the cube must end lifted above the table. This is one fixed scene
(the demo world); the success rate over held-out scenes (pick 84 %) is measured by
`promptbot eval-policy` (models/MODEL_CARD.md).

Through the graph the camera frame is ~30 ms old when the policy acts on it; the node
skips the chunk entries whose time has passed (latency compensation, promptbot.policy.runner).
Without it this test passed 4 of 10 runs (the pick wandered for the whole episode in the
others); with it the pick ends after ~100 control steps (5 s), as in the synchronous loop.
"""
from __future__ import annotations

import threading

from promptbot.ros.actions import ActionClient
from promptbot.testing import wait_for
from promptbot_msgs.action import ExecuteSkill
from promptbot_msgs.msg import SceneState
from promptbot_msgs.srv import ResetWorld

WORLD, SEED, OBJECT = "tabletop", 1, "red_cube"     # the demo world: a red cube on the table
RETRY_SEEDS = (2, 3, 5, 7)                          # further tabletop scenes with a red cube


def test_committed_checkpoint_picks_a_cube_through_the_graph(spawn, ros_node):
    spawn("promptbot.nodes.sim_node", "--ros-args", "-p", f"world:={WORLD}", "-p", f"seed:={SEED}",
          "-p", "width:=96", "-p", "height:=96", "-p", "publish_depth:=false", "-p", "real_time_factor:=1.0")
    spawn("promptbot.nodes.safety_node", "--ros-args", "-p", "use_sim_time:=true")
    vla = spawn("promptbot.nodes.vla_node", "--ros-args", "-p", "use_sim_time:=true", "-p", "backend:=onnxruntime")
    lock = threading.Lock()
    truth: dict[str, tuple[float, float]] = {}          # id -> (z of the centre [m], height [m])
    count = [0]

    def on_truth(msg: SceneState) -> None:
        with lock:
            count[0] += 1
            for o in msg.objects:
                truth[o.id] = (o.position.z, o.size.z)
    ros_node.create_subscription(SceneState, "/sim/ground_truth", on_truth, 10)
    wait_for(lambda: OBJECT in truth, 120.0, what=f"{OBJECT} in /sim/ground_truth")

    client = ActionClient(ros_node, ExecuteSkill, "/policy/execute_skill")
    assert client.wait_for_server(timeout_sec=120.0), "policy node did not come up:\n" + vla.output()[-3000:]
    def attempt():
        done = threading.Event()
        result: list = []
        send = client.send_goal_async(ExecuteSkill.Goal(skill="pick", args=[OBJECT], instruction="pick up the red cube",
                                                        timeout=30.0))
        wait_for(send.done, 30.0, what="goal acknowledgement")
        handle = send.result()
        assert handle.accepted
        res = handle.get_result_async()
        res.add_done_callback(lambda f: (result.append(f.result().result), done.set()))
        assert done.wait(240.0), "no ExecuteSkill result:\n" + vla.output()[-3000:]
        return result[0]

    # one closed-loop episode may fail: the committed policy picks ~84 % in eval-policy (MODEL_CARD) and
    # 9 of 13 first tries here (seeds 1, 2, 3 on 2026-12-06; the rest ended "no progress"). A second try on the same
    # scene fails the same way more often than not (the policy is deterministic and the frames nearly so:
    # CI saw both tries on seed 1 fail), and a failed episode can leave the arm pressing on the cube, so
    # each further try starts from a fresh world with another seed: up to five independent episodes
    # (all five fail with p ~ 0.3^5 = 0.3 %). The graph path is what is tested; the rate is eval-policy's.
    reset = ros_node.create_client(ResetWorld, "/sim/reset")
    r = attempt()
    for seed in RETRY_SEEDS:
        if r.error_code == ExecuteSkill.Result.SUCCEEDED:
            break
        assert reset.wait_for_service(timeout_sec=30.0), "no /sim/reset service"
        fut = reset.call_async(ResetWorld.Request(world=WORLD, seed=seed))
        wait_for(fut.done, 60.0, what="the world reset")
        assert fut.result().error_code == ResetWorld.Response.OK, fut.result().error_msg
        n = count[0]
        wait_for(lambda: count[0] >= n + 2, 30.0, what="ground truth after the reset")
        r = attempt()
    n = count[0]
    wait_for(lambda: count[0] >= n + 2, 20.0, what="ground truth after the skill ended")
    with lock:
        z, h = truth[OBJECT]
    bottom = z - h / 2
    assert r.error_code == ExecuteSkill.Result.SUCCEEDED, f"policy ended with {r.error_code}: {r.error_msg}"
    assert bottom > 0.03, f"{OBJECT} bottom at {bottom * 100:.1f} cm after the pick (policy: {r.error_msg})"


def test_the_heartbeat_keeps_wall_clock_time_under_a_slow_simulator(spawn, ros_node):
    """The planner fails a step after 3 s of wall-clock silence (no heartbeat, no feedback). On the node's sim
    clock at 0.19x real time the heartbeat came every 2.6 s, and a retreat without feedback lost two steps to
    "stopped responding" (bench e2e --executor vla). Here the sim clock runs at 0.1x real time."""
    import time

    from builtin_interfaces.msg import Time
    from rosgraph_msgs.msg import Clock
    from std_msgs.msg import Header

    clock_pub = ros_node.create_publisher(Clock, "/clock", 10)
    stop = threading.Event()

    def slow_clock():                      # 10 ms of sim time every 100 ms of wall time
        t = 1.0
        while not stop.is_set():
            clock_pub.publish(Clock(clock=Time(sec=int(t), nanosec=int((t % 1.0) * 1e9))))
            t += 0.01
            time.sleep(0.1)
    th = threading.Thread(target=slow_clock, daemon=True)
    th.start()
    beats: list[float] = []
    ros_node.create_subscription(Header, "/policy/heartbeat", lambda _m: beats.append(time.monotonic()), 10)
    try:
        vla = spawn("promptbot.nodes.vla_node", "--ros-args", "-p", "use_sim_time:=true", "-p", "backend:=onnxruntime")
        wait_for(lambda: bool(beats), 120.0, what="a first heartbeat:\n" + vla.output()[-2000:])
        t0 = time.monotonic()
        wait_for(lambda: time.monotonic() - t0 >= 3.0, 10.0, what="3 s of wall-clock time")
        got = [t for t in beats if t > t0]
        # every 0.5 s of wall-clock time: about 6 (a sim-clock timer: at most one, 5 s of wall time apart)
        assert len(got) >= 4, f"{len(got)} heartbeats in 3 s of wall-clock time"
    finally:
        stop.set()
        th.join(timeout=2.0)
