"""Fuzzing every node's inputs while it runs: no crash, an answer to every request.

For each node (sim, perception, speech, planner, VLA policy; the safety governor has its own,
deeper fuzz test in test_safety_node.py) the test asks the ROS graph what the running process
subscribes to and which services and action servers it offers, then feeds each of them
hypothesis-generated messages of the right type (tests/helpers/ros_fuzz.py: NaN/inf, extreme
integers and out-of-range enums, empty/huge/odd-unicode strings, wrong sizes, nested garbage):

* topics: every subscribed topic except rcl's own /parameter_events;
* services: every service except the standard parameter services; each request must be
  answered within a bounded time;
* actions: every action server; each goal must be accepted or rejected, an accepted one is
  canceled and must end.

Afterwards the process must be alive, must not have printed a Python traceback, and must still
answer (list_parameters). The number of inputs tried per interface is printed and checked.
"""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from rclpy._rclpy_pybind11 import NodeNameNonExistentError
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

from helpers.ros_fuzz import get_interface, message_strategy
from promptbot.ros.actions import ActionClient
from promptbot.testing import wait_for

TOPIC_EXAMPLES = 40
SERVICE_EXAMPLES = 12
ACTION_EXAMPLES = 6
ANSWER_S = 30.0                       # a request must be answered within this [s]
_PARAM_SERVICES = ("get_parameters", "set_parameters", "set_parameters_atomically", "list_parameters",
                   "describe_parameters", "get_parameter_types", "get_type_description")

NODES = {
    "sim_node": ("promptbot.nodes.sim_node", ["-p", "width:=64", "-p", "height:=48", "-p", "wrist_size:=32",
                                              "-p", "expert_skill_server:=true"]),
    "perception_node": ("promptbot.nodes.perception_node", []),
    "speech_node": ("promptbot.nodes.speech_node", ["-p", "source:=topic"]),
    "planner_node": ("promptbot.nodes.planner_node", ["-p", "llm:=uniform", "-p", "method:=mcts_uniform",
                                                      "-p", "scene_max_age_s:=0.5", "-p", "server_wait_s:=0.5"]),
    "vla_node": ("promptbot.nodes.vla_node", ["-p", "backend:=onnxruntime"]),
}
_FUZZ = settings(deadline=None, database=None, derandomize=True, print_blob=False,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much, HealthCheck.large_base_example])


def _interfaces(ros_node, name: str):
    from rclpy.action import get_action_server_names_and_types_by_node

    subs = [(t, types[0]) for t, types in ros_node.get_subscriber_names_and_types_by_node(name, "/")
            if t != "/parameter_events" and "/_action/" not in t]    # rcl internals / action-client plumbing
    srvs = [(s, types[0]) for s, types in ros_node.get_service_names_and_types_by_node(name, "/")
            if not s.rsplit("/", 1)[-1] in _PARAM_SERVICES and "/_action/" not in s]
    acts = [(a, types[0]) for a, types in get_action_server_names_and_types_by_node(ros_node, name, "/")]
    return subs, srvs, acts


def _each_example(strategy, n: int, fn) -> int:
    """Call ``fn`` on up to ``n`` hypothesis examples of ``strategy`` (deterministic); return the count."""
    done = [0]

    @settings(_FUZZ, max_examples=n)
    @given(x=strategy)
    def run(x):
        fn(x)
        done[0] += 1

    run()
    return done[0]


def _fuzz_topic(ros_node, topic: str, typ: str) -> int:
    cls = get_interface(typ)
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    pub = ros_node.create_publisher(cls, topic, qos)
    wait_for(lambda: pub.get_subscription_count() > 0, 20.0, what=f"the node subscribing {topic}")

    def send(msg):
        pub.publish(msg)
        time.sleep(0.003)

    n = _each_example(message_strategy(cls), TOPIC_EXAMPLES, send)
    ros_node.destroy_publisher(pub)
    return n


def _fuzz_service(ros_node, name: str, typ: str) -> int:
    srv = get_interface(typ)
    client = ros_node.create_client(srv, name)
    wait_for(client.service_is_ready, 20.0, what=f"service {name}")

    def call(req):
        fut = client.call_async(req)
        wait_for(fut.done, ANSWER_S, what=f"an answer from {name} to {req!r:.200}")
        assert fut.result() is not None

    n = _each_example(message_strategy(srv.Request), SERVICE_EXAMPLES, call)
    ros_node.destroy_client(client)
    return n


def _fuzz_action(ros_node, name: str, typ: str) -> int:
    action = get_interface(typ)
    client = ActionClient(ros_node, action, name)
    assert client.wait_for_server(timeout_sec=20.0), f"action server {name} not found"

    def send(goal):
        fut = client.send_goal_async(goal)
        wait_for(fut.done, ANSWER_S, what=f"{name} accepting or rejecting {goal!r:.200}")
        handle = fut.result()
        if handle.accepted:
            res = handle.get_result_async()
            handle.cancel_goal_async()
            wait_for(res.done, ANSWER_S, what=f"{name} ending a canceled goal {goal!r:.200}")

    n = _each_example(message_strategy(action.Goal), ACTION_EXAMPLES, send)
    client.destroy()
    return n


@pytest.mark.parametrize("name", sorted(NODES))
def test_fuzz_every_input_of_a_running_node(name, spawn, ros_node):
    module, params = NODES[name]
    proc = spawn(module, "--ros-args", *params)
    listed = ros_node.create_client(get_interface("rcl_interfaces/srv/ListParameters"), f"/{name}/list_parameters")
    wait_for(listed.service_is_ready, 120.0, what=f"{name} up")
    # a node may subscribe only after loading its model: wait until the interface list is stable
    seen: list = []

    def stable() -> bool:
        try:
            seen.append(_interfaces(ros_node, name))
        except NodeNameNonExistentError:          # not in this process's graph cache yet
            return False
        return len(seen) >= 3 and bool(seen[-1][0]) and seen[-1] == seen[-2] == seen[-3]
    wait_for(stable, 120.0, interval=0.5, what=f"{name}'s subscriptions")
    subs, srvs, acts = seen[-1]
    tried: dict[str, int] = {}
    for topic, typ in subs:
        tried[topic] = _fuzz_topic(ros_node, topic, typ)
    for srv, typ in srvs:
        tried[srv] = _fuzz_service(ros_node, srv, typ)
    for act, typ in acts:
        tried[act] = _fuzz_action(ros_node, act, typ)
    print(f"\n{name}: inputs tried per interface: {tried}")
    # a counted window instead of a fixed wait: three answers in a row after the last input (each
    # one a full turn of the node's executor), or the process ends
    for _ in range(3):
        fut = listed.call_async(get_interface("rcl_interfaces/srv/ListParameters").Request())
        wait_for(lambda: fut.done() or not proc.alive, 20.0, what=f"{name} still answering after fuzzing")
        assert proc.alive, f"{name} died under fuzzing:\n{proc.output()[-3000:]}"
    assert "Traceback" not in proc.output(), proc.output()[-4000:]
    assert all(n >= 1 for n in tried.values()), tried
    assert sum(tried.values()) >= TOPIC_EXAMPLES * len(subs) // 2, tried
