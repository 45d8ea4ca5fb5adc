"""A node given a parameter it cannot run with says why in one line and exits 1 (no traceback).

Every node's ``main()`` is ``promptbot.ros.spin.spin_node``; these start the real node
processes, as ``ros2 launch`` and ``promptbot up`` do, with one out-of-range value each.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from promptbot.ros.spin import EXIT_CANNOT_START
from promptbot.testing import isolated_env

pytestmark = pytest.mark.graph

BAD_PARAMS = {
    "safety_node": ("control_rate_hz", "1.0"),          # min 10 Hz
    "perception_node": ("track_hold_s", "99.0"),        # max 30 s
    "planner_node": ("llm_timeout_s", "0.0"),           # min 0.1 s
    "sim_node": ("physics_hz", "50.0"),                 # min 240 Hz
    "speech_node": ("mic_rate", "100"),                 # min 8000 Hz
    "vla_node": ("control_rate_hz", "500.0"),           # max 100 Hz
}


@pytest.mark.parametrize("node", sorted(BAD_PARAMS))
def test_node_with_an_invalid_parameter_exits_with_the_reason(node):
    name, value = BAD_PARAMS[node]
    proc = subprocess.run(
        [sys.executable, "-m", f"promptbot.nodes.{node}", "--ros-args", "-p", f"{name}:={value}"],
        env=isolated_env(), capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == EXIT_CANNOT_START, out
    assert "cannot start" in out and name in out, out
    assert "Traceback" not in out, out
