"""Least-privilege properties of the SROS2 policy (config/sros2/policy.xml), checked statically."""
from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET

import pytest

from promptbot.paths import config_dir, share_dir

NODES = ("sim_node", "perception_node", "speech_node", "planner_node", "vla_node", "safety_node")
ARM_TOPICS = ("/servo_node/delta_twist_cmds", "/gripper/command", "/joint_trajectory_controller/joint_trajectory")


@pytest.fixture(scope="module")
def policy():
    root = ET.parse(config_dir() / "sros2" / "policy.xml").getroot()
    assert root.tag == "policy" and root.get("version") == "0.2.0"
    out = {}
    for enclave in root.iter("enclave"):
        profile = enclave.find("profiles/profile")
        rules: dict[str, list[str]] = {}
        for group in profile:
            for attr, value in group.attrib.items():
                assert value in ("ALLOW", "DENY")
                key = f"{group.tag}:{attr}:{value}"
                rules.setdefault(key, []).extend(e.text for e in group)
        out[profile.get("node")] = (enclave.get("path"), rules)
    return out


def allowed(rules, kind, attr, name):
    return any(fnmatch.fnmatchcase(name, pat) for pat in rules.get(f"{kind}:{attr}:ALLOW", []))


def test_every_node_has_an_enclave(policy):
    for node in NODES:
        assert node in policy, node
        assert policy[node][0] == f"/promptbot/{node}"


def test_names_are_absolute_or_private(policy):
    for node, (_, rules) in policy.items():
        for names in rules.values():
            for n in names:
                assert n and (n.startswith("/") or n.startswith("~")), (node, n)


def test_only_the_safety_node_writes_the_arm_topics(policy):
    for topic in ARM_TOPICS:
        writers = [n for n, (_, r) in policy.items() if allowed(r, "topics", "publish", topic)]
        assert writers == ["safety_node"], (topic, writers)
    assert all(allowed(policy["sim_node"][1], "topics", "subscribe", t) for t in ARM_TOPICS)


def test_policy_commands_reach_only_the_safety_node(policy):
    _, vla = policy["vla_node"]
    assert allowed(vla, "topics", "publish", "/promptbot/cmd_twist")
    assert allowed(vla, "topics", "publish", "/promptbot/gripper_cmd")
    assert allowed(vla, "actions", "execute", "/policy/execute_skill")
    readers = [n for n, (_, r) in policy.items() if allowed(r, "topics", "subscribe", "/promptbot/cmd_twist")]
    assert readers == ["safety_node"]


def test_only_the_operator_releases_the_estop(policy):
    callers = [n for n, (_, r) in policy.items() if allowed(r, "services", "request", "/safety/release")]
    assert callers == ["operator"]
    assert allowed(policy["planner_node"][1], "services", "request", "/safety/estop")
    assert allowed(policy["safety_node"][1], "services", "reply", "/safety/release")


def test_contract_topics_are_covered(policy):
    def p(node, kind, attr, name):
        assert allowed(policy[node][1], kind, attr, name), (node, kind, attr, name)

    p("sim_node", "topics", "publish", "/joint_states")
    p("sim_node", "topics", "publish", "/camera/color/image_raw")
    p("sim_node", "services", "reply", "/sim/reset_world")
    p("perception_node", "topics", "subscribe", "/camera/color/image_raw")
    p("perception_node", "topics", "publish", "/perception/scene")
    p("speech_node", "topics", "publish", "/speech/transcript")
    p("planner_node", "topics", "subscribe", "/speech/transcript")
    p("planner_node", "topics", "publish", "/planner/plan")
    p("planner_node", "actions", "call", "/policy/execute_skill")
    p("safety_node", "topics", "subscribe", "/joint_states")


def test_security_doc_exists():
    doc = (share_dir() / "docs" / "security.md")
    if not doc.is_file():
        pytest.skip("docs/ is not installed with the package")
    text = doc.read_text()
    for needle in ("create_keystore", "create_enclave", "create_permission", "ROS_SECURITY_KEYSTORE",
                   "ROS_SECURITY_ENABLE", "ROS_SECURITY_STRATEGY", "not available as a pip wheel"):
        assert needle in text, needle
