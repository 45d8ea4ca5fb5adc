"""The near-target loss weight: which samples it weighs, and that it moves what the network learns where the
expert's labels near the target and far from it disagree on the same input."""
from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch

from promptbot.models.vla import TARGET_DIM, VLAConfig
from promptbot.policy.checkpoint import load_checkpoint
from promptbot.policy.train import TrainConfig, near_target_weights, train

NET = VLAConfig(image_size=32, channels=(8, 16), hidden=64, chunk=4, dropout=0.0)
NAN = float("nan")


def _embed(texts: list[str]) -> np.ndarray:
    return np.stack([np.random.default_rng(zlib.crc32(t.encode())).normal(size=384) for t in texts]).astype(np.float32)


def test_the_active_target_is_the_object_then_the_destination_once_held():
    tg = torch.tensor([
        [0.05, 0.0, 0.0, NAN, NAN, NAN],       # a pick, 5 cm from the cube: near
        [0.30, 0.0, 0.0, NAN, NAN, NAN],       # a pick, 30 cm away: far
        [0.0, 0.0, 0.005, 0.40, 0.0, 0.0],     # the cube in the hand, the bowl 40 cm away: far
        [0.0, 0.0, 0.005, 0.0, 0.06, 0.0],     # the cube in the hand, 6 cm above the bowl: near
        [0.05, 0.0, 0.0, 0.40, 0.0, 0.0],      # not yet held (5 cm off): the object counts, near
        [NAN] * TARGET_DIM,                    # no targets recorded: weight 1
    ])
    w = near_target_weights(tg, radius_m=0.10, extra=2.0)
    assert w.tolist() == pytest.approx([3.0, 1.0, 1.0, 3.0, 3.0, 1.0])


def test_near_weight_settings_are_checked():
    with pytest.raises(ValueError, match="near_weight"):
        TrainConfig(near_weight=-1.0)
    with pytest.raises(ValueError, match="near_radius_m"):
        TrainConfig(near_radius_m=0.0)


def _conflicting_episodes() -> list[dict]:
    """The same blank input everywhere; 4 episodes near their target say +0.5 m/s in x, 6 far ones say -0.5."""
    eps = []
    for i in range(10):
        near = i < 4
        T = 16
        tg = np.full((T, TARGET_DIM), np.nan, np.float32)
        tg[:, :3] = (0.05 if near else 0.5, 0.0, 0.0)      # object - EE [m]; no destination (a pick)
        actions = np.zeros((T, 7), np.float32)
        actions[:, 0] = 0.5 if near else -0.5
        actions[:, 6] = 0.07
        eps.append(dict(scene=np.zeros((T, 32, 32, 3), np.uint8), wrist=np.zeros((T, 32, 32, 3), np.uint8),
                        proprio=np.zeros((T, 17), np.float32), actions=actions, targets=tg,
                        instruction="pick up the red cube", success=True))
    return eps


def _learned_x_velocity(tmp_path, near_weight: float) -> float:
    torch.manual_seed(0)
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=40, batch_size=32, lr=3e-3, val_fraction=0.0, shift_px=0,
                      eval_every_steps=10_000, threads=1, model=NET, near_weight=near_weight)
    train(_conflicting_episodes(), cfg, _embed, progress=False)
    model, _, _ = load_checkpoint(tmp_path / "best.pt")
    model.eval()
    with torch.no_grad():
        img = torch.zeros(1, 3, 32, 32)
        out = model(img, img, torch.from_numpy(_embed(["pick up the red cube"])), torch.zeros(1, 17))
    actions = out[0] if isinstance(out, tuple) else out
    return float(actions[0, 0, 0])


def test_near_weight_makes_the_near_samples_win_where_the_labels_conflict(tmp_path):
    # L1 learns the (weighted) median: 6 far samples against 4 near ones pick the far label; weighted 3x the near
    # ones (12 against 6) win
    plain = _learned_x_velocity(tmp_path / "plain", near_weight=0.0)
    weighted = _learned_x_velocity(tmp_path / "near", near_weight=2.0)
    assert plain < -0.3, plain
    assert weighted > 0.3, weighted
