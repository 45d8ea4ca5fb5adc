"""``promptbot plan --json`` keys added for issue 20: assumptions, readings, understanding, load_time_s."""
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.graph


def test_plan_json_says_what_it_assumed_and_which_readings_it_weighed():
    p = subprocess.run([sys.executable, "-m", "promptbot", "plan", "--world", "tabletop", "--seed", "1", "--json",
                        "--llm", "uniform", "put the med cube in the blue barrel"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "ok" and out["goal"] == "in(red_cube, blue_bowl)"
    assert out["assumptions"] == ["'med' taken as 'red'", "'barrel' taken as 'bowl'"]
    assert out["readings"] == [{"goal": "in(red_cube, blue_bowl)", "logprob": 0.0, "source": "rule"}]
    assert out["understanding"] == "rule"
    assert out["load_time_s"] >= 0.0 and out["planning_time_s"] <= out["wall_time_s"] + 0.001


def test_plan_asks_instead_of_planning_a_dropped_prohibition():
    p = subprocess.run([sys.executable, "-m", "promptbot", "plan", "--world", "tabletop", "--seed", "1", "--json",
                        "--llm", "uniform", "put the red cube in the blue bowl, but never the green cube"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert out["status"] == "ambiguous" and out["steps"] == [] and out["goal"] == ""
    assert out["message"].startswith("I'm not sure what 'never the green cube' changes")
