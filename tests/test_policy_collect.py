"""Demonstration collection: parallel recorders and frames stored at the model's size are a pure speed-up."""
from __future__ import annotations

import numpy as np
import pytest

from promptbot.policy.collect_skills import collect_skills, main
from promptbot.sim.demos import load_episode, stored_frame


@pytest.mark.slow  # 3 expert episodes recorded twice, once in 2 processes (about 60 s on 2 cores)
def test_same_seeds_give_the_same_episodes_with_workers_and_64px_frames(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for n in (1, 2, 3):    # resumed one episode at a time: each one starts in a fresh simulator
        a = collect_skills(str(old), n, seed0=0, image_size=96, progress=False)
    b = collect_skills(str(new), 3, seed0=0, image_size=64, progress=False, workers=2)
    assert a["episodes"] == b["episodes"] == 3
    for i in range(3):     # the third follows another episode in its worker's simulator
        x, y = load_episode(old, i), load_episode(new, i)
        np.testing.assert_array_equal(x["action"], y["action"])
        np.testing.assert_array_equal(x["proprio"], y["proprio"])
        assert str(x["instruction"]) == str(y["instruction"])
        for cam in ("scene_rgb", "wrist_rgb"):
            assert y[cam].shape[1:] == (64, 64, 3)
            np.testing.assert_array_equal(np.stack([stored_frame(f, 64) for f in x[cam]]), y[cam])


def test_stored_frame_is_the_training_resize_and_the_cli_validates(capsys):
    from promptbot.policy.policy import preprocess_image

    rgb = np.random.default_rng(0).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    small = stored_frame(rgb, 64)
    assert small.shape == (64, 64, 3) and stored_frame(small, 64) is small
    # what the policy computes from the 96 px frame equals what it computes from the stored 64 px one
    np.testing.assert_array_equal(preprocess_image(rgb, 64), preprocess_image(small, 64))
    for bad in (["--workers", "0"], ["--image-size", "128"], ["--release-width", "0.2"], ["--release-width", "0"]):
        with pytest.raises(SystemExit):
            main(["--out", "unused", "--episodes", "1", *bad])


@pytest.mark.slow  # one stack episode recorded (about 15 s)
def test_the_release_width_reaches_the_recorded_stack_episode(tmp_path):
    from promptbot.sim.env import GRIPPER_MAX_WIDTH_M

    out = collect_skills(str(tmp_path / "rel"), 3, seed0=0, image_size=64, progress=False, mix=("stack",),
                         release_width_m=GRIPPER_MAX_WIDTH_M)
    assert out["episodes"] == 3
    ep = load_episode(tmp_path / "rel", 0)
    widths = np.round(ep["action"][:, 6], 4)
    assert widths[-1] == pytest.approx(GRIPPER_MAX_WIDTH_M)      # the last frames: let go fully open
