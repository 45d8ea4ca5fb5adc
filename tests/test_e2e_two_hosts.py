"""The graph split across two hosts with the shipped DDS profile.

Two network namespaces joined by a veth pair (made by the test) stand for two
machines. Host B gets its own /dev/shm, so shared memory cannot connect the
hosts and the traffic must cross the veth over UDPv4, as between real machines.
The node side (the selftest node: a service and a RunTask action with feedback)
runs in A, the client in B. With an SHM-only profile (UDPv4 removed) the same
call fails, which is why the shipped profile keeps UDPv4.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptbot.paths import dds_profile

pytestmark = [pytest.mark.graph,
              pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"),
                                 reason="needs root, iproute2 and unshare to create network namespaces")]
NS_A, NS_B = "pbtestA", "pbtestB"


def _sh(cmd: str) -> None:
    subprocess.run(cmd, shell=True, check=True, capture_output=True, timeout=30)


@pytest.fixture
def two_hosts():
    for ns in (NS_A, NS_B):
        subprocess.run(f"ip netns del {ns}", shell=True, capture_output=True)
    try:
        _sh(f"ip netns add {NS_A} && ip netns add {NS_B}")
        _sh(f"ip link add pbtA type veth peer name pbtB && ip link set pbtA netns {NS_A} && ip link set pbtB netns {NS_B}")
        _sh(f"ip -n {NS_A} addr add 10.232.0.1/24 dev pbtA && ip -n {NS_B} addr add 10.232.0.2/24 dev pbtB")
        for ns, dev in ((NS_A, "pbtA"), (NS_B, "pbtB")):
            _sh(f"ip -n {ns} link set lo up && ip -n {ns} link set {dev} up multicast on "
                f"&& ip -n {ns} route add 224.0.0.0/4 dev {dev}")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot create network namespaces here: {exc.stderr.decode(errors='replace')[:200]}")
    yield
    for ns in (NS_A, NS_B):
        subprocess.run(f"ip netns del {ns}", shell=True, capture_output=True)


def _env(profile: Path, domain: int) -> dict:
    env = dict(os.environ, ROS_DOMAIN_ID=str(domain), FASTRTPS_DEFAULT_PROFILES_FILE=str(profile),
               FASTDDS_DEFAULT_PROFILES_FILE=str(profile), PYTHONUNBUFFERED="1")
    env.pop("ROS_AUTOMATIC_DISCOVERY_RANGE", None)
    return env


def _probe(profile: Path, domain: int, timeout: float = 60.0) -> dict:
    env = _env(profile, domain)
    server = subprocess.Popen(["ip", "netns", "exec", NS_A, sys.executable, "-m", "promptbot.ros.selftest"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # host B: own network namespace and its own /dev/shm
        probe = subprocess.run(["ip", "netns", "exec", NS_B, "unshare", "--mount", "sh", "-c",
                                f"mount -t tmpfs tmpfs /dev/shm && exec {sys.executable} -m promptbot.ros.remote_probe"],
                               env=env, capture_output=True, text=True, timeout=timeout)
        assert probe.returncode == 0, probe.stderr[-2000:]
        return json.loads(probe.stdout.strip().splitlines()[-1])
    finally:
        os.killpg(server.pid, 9)
        server.wait(timeout=10)


def test_service_and_action_across_two_hosts(two_hosts):
    out = _probe(dds_profile(), domain=91)
    assert out["service_found"], out
    assert out["service_success"] is True
    assert out["action_error_code"] == 0 and out["action_feedback"] == 3


def test_shm_only_profile_cannot_cross_hosts(two_hosts, tmp_path):
    text = dds_profile().read_text()
    shm_only = text.replace("<transport_id>promptbot_udp4</transport_id>\n        </userTransports>",
                            "</userTransports>")
    assert shm_only != text
    profile = tmp_path / "shm_only.xml"
    profile.write_text(shm_only)
    out = _probe(profile, domain=92, timeout=90.0)
    assert out["service_found"] is False, out
