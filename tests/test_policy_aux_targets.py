"""The auxiliary target head: recorded targets, a masked loss that learns from images, fine-tuning that adds the
head to a checkpoint without one, and acting (forward, ONNX) that never reads it."""
from __future__ import annotations

import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from promptbot.models.vla import AUX_SCALE_M, TARGET_DIM, VLA, VLAConfig
from promptbot.policy.checkpoint import load_checkpoint, save_checkpoint
from promptbot.policy.export import example_inputs, export_onnx, parity
from promptbot.policy.train import TrainConfig, aux_loss, train

AUX = VLAConfig(image_size=32, channels=(8, 16), hidden=64, chunk=4, dropout=0.0, aux_dim=TARGET_DIM)


def _embed(texts: list[str]) -> np.ndarray:
    return np.stack([np.random.default_rng(zlib.crc32(t.encode())).normal(size=384) for t in texts]).astype(np.float32)


def _episodes(n: int = 8, T: int = 16, seed: int = 0, targets: bool = True) -> list[dict]:
    """A bright square in the scene image; the target's x, y are where it is (the destination is unknown: NaN)."""
    rng = np.random.default_rng(seed)
    eps = []
    for _ in range(n):
        scene = np.zeros((T, 32, 32, 3), np.uint8)
        tg = np.full((T, TARGET_DIM), np.nan, np.float32)
        for t in range(T):
            r, c = rng.integers(2, 26, size=2)
            scene[t, r:r + 5, c:c + 5] = 255
            tg[t, :3] = ((c - 14) / 12 * 0.2, (r - 14) / 12 * 0.2, 0.0)         # metres, within +-0.2
        ep = dict(scene=scene, wrist=np.zeros_like(scene), proprio=np.zeros((T, 17), np.float32),
                  actions=rng.normal(size=(T, 7)).astype(np.float32) * 0.01, instruction="pick up the red cube",
                  success=True)
        if targets:
            ep["targets"] = tg
        eps.append(ep)
    return eps


def _aux_error_m(model: VLA, eps: list[dict]) -> float:
    model.eval()
    errs = []
    with torch.no_grad():
        for ep in eps:
            scene = torch.from_numpy(ep["scene"]).permute(0, 3, 1, 2).float() / 255
            lang = torch.from_numpy(np.repeat(_embed([ep["instruction"]]), len(scene), axis=0))
            out = model.forward_heads(scene, torch.zeros_like(scene), lang, torch.from_numpy(ep["proprio"]))
            errs.append(float(aux_loss(out["aux"], torch.from_numpy(ep["targets"]))) * AUX_SCALE_M)
    return float(np.mean(errs))


def test_the_aux_loss_masks_missing_targets():
    pred = torch.zeros(2, TARGET_DIM)
    tg = torch.full((2, TARGET_DIM), float("nan"))
    assert float(aux_loss(pred, tg)) == 0.0                         # nothing known: no loss, no NaN
    tg[0, 0] = 0.1                                                  # one value known: 0.1 m = 1 unit off
    assert float(aux_loss(pred, tg)) == pytest.approx(1.0)


def test_the_aux_head_learns_where_the_thing_is_from_the_image(tmp_path):
    torch.manual_seed(0)
    eps, held_out = _episodes(), _episodes(n=4, seed=1)
    before = _aux_error_m(VLA(AUX), held_out)
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=40, batch_size=32, lr=3e-3, val_fraction=0.0, shift_px=0,
                      eval_every_steps=10_000, threads=1, model=AUX, aux_weight=1.0)
    train(eps, cfg, _embed, progress=False)
    model, loaded, _ = load_checkpoint(tmp_path / "best.pt")
    assert loaded.aux_dim == TARGET_DIM
    after = _aux_error_m(model, held_out)
    assert after < 0.5 * before and after < 0.05, (before, after)   # metres, on images it never saw


def test_an_aux_head_needs_episodes_with_targets(tmp_path):
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=1, batch_size=8, model=AUX)
    with pytest.raises(ValueError, match="no episode has targets"):
        train(_episodes(n=2, targets=False), cfg, _embed, progress=False)


def test_fine_tuning_adds_the_head_to_a_checkpoint_without_one(tmp_path):
    torch.manual_seed(0)
    plain_cfg = VLAConfig(**{**AUX.to_dict(), "aux_dim": 0})
    base = VLA(plain_cfg)
    path = save_checkpoint(tmp_path / "base.pt", base)
    cfg = TrainConfig(out_dir=str(tmp_path / "ft"), epochs=1, batch_size=8, lr=1e-9, val_fraction=0.0, shift_px=0,
                      eval_every_steps=10_000, threads=1, model=AUX, init_checkpoint=str(path))
    train(_episodes(n=2), cfg, _embed, progress=False)
    tuned, tuned_cfg, _ = load_checkpoint(tmp_path / "ft" / "best.pt")
    assert tuned_cfg.aux_dim == TARGET_DIM and tuned.aux_head is not None
    w0, w1 = base.state_dict()["trunk.0.weight"], tuned.state_dict()["trunk.0.weight"]
    assert torch.allclose(w0, w1.float(), atol=1e-3)                # copied (lr ~0), not re-initialised
    other = VLAConfig(**{**AUX.to_dict(), "hidden": 32})            # any other difference still refuses
    with pytest.raises(ValueError, match="differs"):
        train(_episodes(n=2), TrainConfig(out_dir=str(tmp_path / "x"), epochs=1, model=other,
                                          init_checkpoint=str(path)), _embed, progress=False)


def test_acting_never_reads_the_aux_head():
    model = VLA(AUX).eval()
    inputs = example_inputs(model, batch=2)
    actions, done = model(*inputs)
    with torch.no_grad():
        model.aux_head.weight.mul_(-7.0)
        model.aux_head.bias.add_(3.0)
    actions2, done2 = model(*inputs)
    assert torch.equal(actions, actions2) and torch.equal(done, done2)
    with tempfile.TemporaryDirectory() as tmp:
        assert parity(model, export_onnx(model, Path(tmp) / "aux.onnx"), batches=(1,)) <= 1e-4
    with pytest.raises(ValueError, match="aux_dim"):
        VLAConfig(aux_dim=3)


def test_recorded_episodes_carry_the_step_targets():
    from promptbot.policy.collect_skills import skill_episode_spec
    from promptbot.sim.demos import record_episode
    from promptbot.sim.env import SimEnv

    spec = next(s for s in map(skill_episode_spec, range(40)) if s.plan[0][0] == "place")
    with SimEnv("tabletop", spec.seed) as env:
        arrays, _ = record_episode(env, spec, image_size=32, wrist=False)
    tg = arrays["targets"]
    assert tg.shape == (len(arrays["action"]), TARGET_DIM) and np.isfinite(tg).all()
    obj, dest = spec.plan[0][1]
    # a place ends with the object let go over its destination: object and destination ~ under the gripper
    assert np.linalg.norm(tg[-1, :2]) < 0.05 and np.linalg.norm(tg[-1, 3:5]) < 0.08, tg[-1]
    assert np.linalg.norm(tg[0, 3:]) > 0.1                         # it started elsewhere
