"""DAgger takeover episodes: the policy drives first, the expert's corrections are what is recorded."""
from __future__ import annotations

import argparse
import json
import pickle

import numpy as np
import pytest

from promptbot.policy.dagger import PolicyTakeover, _window, collect_dagger
from promptbot.policy.paths import default_checkpoint

CHECKPOINT = default_checkpoint()


def test_takeover_window_is_seeded_and_validated():
    t = PolicyTakeover("x.pt", 0.5, 2.0)
    assert t.takeover_s(7) == t.takeover_s(7)
    assert {round(t.takeover_s(s), 6) for s in range(20)} != {round(t.takeover_s(0), 6)}
    assert all(0.5 <= t.takeover_s(s) <= 2.0 for s in range(50))
    with pytest.raises(ValueError, match="takeover window"):
        PolicyTakeover("x.pt", 3.0, 1.0)
    assert _window("0.2,1.5") == (0.2, 1.5)
    for bad in ("1", "2,1", "-1,2", "a,b"):
        with pytest.raises(argparse.ArgumentTypeError):
            _window(bad)


def test_a_loaded_policy_is_not_pickled_into_workers():
    t = PolicyTakeover("x.pt")
    t._policy = object()
    clone = pickle.loads(pickle.dumps(t))
    assert clone._policy is None and clone.checkpoint == "x.pt"


@pytest.mark.slow   # reason: records two sim episodes with the committed VLA driving first (~30 s)
def test_dagger_records_the_expert_after_the_policy_drove(tmp_path):
    assert CHECKPOINT.is_file(), "the committed checkpoint is missing"
    out = tmp_path / "dagger"
    summary = collect_dagger(str(CHECKPOINT), str(out), episodes=2, seed0=700_000, min_s=0.6, max_s=1.2,
                             image_size=32, progress=False)
    assert summary["episodes"] == 2 and summary["skipped_errors"] == 0
    index = json.loads((out / "index.json").read_text())
    for e in index["episodes"]:
        pre = e["prelude"]
        assert pre["end"] in ("timeout", "done", "stalled")
        assert 0 < pre["control_steps"] <= round(1.2 * 20) and 0.6 <= pre["takeover_s"] <= 1.2
        z = np.load(out / e["file"])
        assert z["scene_rgb"].shape[0] == z["action"].shape[0] == e["n_steps"] > 0
        assert z["scene_rgb"].shape[1:] == (32, 32, 3)
    # resumable: a second call records nothing new
    again = collect_dagger(str(CHECKPOINT), str(out), episodes=2, seed0=700_000, min_s=0.6, max_s=1.2,
                           image_size=32, progress=False)
    assert again["resumed_from"] == 2


def test_an_episode_with_nothing_recorded_is_skipped_when_training_data_load(tmp_path):
    """A DAgger episode the policy finished itself leaves the expert nothing to record: 0 steps. Loading the
    training data skips it (it stopped the first pipeline run: numpy could not stack 0 arrays)."""
    from promptbot.policy.data import load_segments

    n = 0
    np.savez(tmp_path / "ep0.npz", scene_rgb=np.zeros((n, 32, 32, 3), np.uint8),
             wrist_rgb=np.zeros((n, 32, 32, 3), np.uint8), proprio=np.zeros((n, 8), np.float32),
             action=np.zeros((n, 7), np.float32), plan_step=np.zeros(n, np.int64), step_success=np.ones(1, bool))
    (tmp_path / "index.json").write_text(json.dumps({"episodes": [
        {"file": "ep0.npz", "plan": [["pick", ["red_cube"]]], "n_steps": 0}]}))
    assert load_segments([tmp_path], 32, use_wrist=True) == []
