"""The binary (open/close) gripper head learns a release; the committed (regression) checkpoint is unchanged."""
from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch

from promptbot.models.vla import GRIPPER_DIM, VLA, VLAConfig
from promptbot.policy.checkpoint import load_checkpoint, save_checkpoint
from promptbot.policy.export import example_inputs, export_onnx, parity
from promptbot.policy.paths import default_checkpoint
from promptbot.policy.train import TrainConfig, gripper_widths, train

BINARY = VLAConfig(image_size=32, channels=(8, 8), hidden=32, chunk=4, dropout=0.0, gripper_head="binary")
EPOCHS = 100
OPEN_M, RELEASE_M = 0.08, 0.07      # the expert opens fully at the start and to object width + 3 cm to release


def _embed(texts: list[str]) -> np.ndarray:
    # zlib.crc32, not hash(): str hashes change with every process (PYTHONHASHSEED), and so did this test
    return np.stack([np.random.default_rng(zlib.crc32(t.encode())).normal(size=384) for t in texts]).astype(np.float32)


def _episodes(n: int = 6, T: int = 24, seed: int = 0) -> list[dict]:
    """The gripper closes when the (synthetic) hand is low and opens again when it is high: proprio[10] is the TCP z."""
    rng = np.random.default_rng(seed)
    eps = []
    for _ in range(n):
        proprio = rng.normal(size=(T, 17)).astype(np.float32) * 0.1
        low = (np.arange(T) >= T // 3) & (np.arange(T) < 2 * T // 3)       # approach high, grasp low, lift high
        z = np.where(low, 0.05, 0.3) + rng.normal(size=T) * 0.01
        proprio[:, 10] = z
        actions = rng.normal(size=(T, 7)).astype(np.float32) * 0.05
        actions[:, GRIPPER_DIM] = np.where(low, 0.0, np.where(np.arange(T) < T // 2, OPEN_M, RELEASE_M))
        eps.append(dict(scene=rng.integers(0, 255, (T, 32, 32, 3), dtype=np.uint8),
                        wrist=rng.integers(0, 255, (T, 32, 32, 3), dtype=np.uint8),
                        proprio=proprio, actions=actions, instruction="stack the red cube on the blue cube",
                        success=True))
    return eps


def test_the_binary_head_learns_open_and_close_in_a_few_steps(tmp_path):
    torch.manual_seed(0)
    eps = _episodes()
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=EPOCHS, batch_size=32, lr=3e-3, val_fraction=0.0, shift_px=0,
                      eval_every_steps=10_000, threads=1, model=BINARY)
    metrics = train(eps, cfg, _embed, progress=False)
    assert metrics["steps"] == EPOCHS * 5
    model, loaded_cfg, _ = load_checkpoint(tmp_path / "best.pt")
    assert loaded_cfg.gripper_head == "binary" and model.gripper_head is not None
    open_m = float(np.median([OPEN_M, RELEASE_M]))               # as many full opens as releases in the data
    assert float(model.gripper_closed_m) == 0.0 and float(model.gripper_open_m) == pytest.approx(open_m)
    ep = eps[0]
    with torch.no_grad():
        n = len(ep["proprio"])
        scene = torch.from_numpy(ep["scene"]).permute(0, 3, 1, 2).float() / 255
        wrist = torch.from_numpy(ep["wrist"]).permute(0, 3, 1, 2).float() / 255
        lang = torch.from_numpy(np.repeat(_embed([ep["instruction"]]), n, axis=0))
        actions, _ = model(scene, wrist, lang, torch.from_numpy(ep["proprio"]))
    width = actions[:, 0, GRIPPER_DIM].numpy()
    assert np.all(np.isclose(width, 0.0) | np.isclose(width, open_m))   # a decision, never a width in between
    wanted_open = ep["actions"][:, GRIPPER_DIM] > 0.02
    assert np.mean((width > 0.02) == wanted_open) >= 0.95, (width, wanted_open)


def test_binary_head_exports_to_onnx_and_validates():
    model = VLA(BINARY).eval()
    model.set_gripper_widths(0.07, 0.0)
    actions, _ = model(*example_inputs(model, batch=3))
    width = actions[..., GRIPPER_DIM].detach().numpy()
    assert np.all(np.isclose(width, 0.0) | np.isclose(width, 0.07))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        assert parity(model, export_onnx(model, Path(tmp) / "binary.onnx"), batches=(1, 2)) <= 1e-4
    with pytest.raises(ValueError, match="gripper_head"):
        VLAConfig(gripper_head="ternary")
    with pytest.raises(ValueError, match="gripper_threshold"):
        VLAConfig(gripper_threshold=1.0)
    with pytest.raises(ValueError):
        VLA(VLAConfig(image_size=32, channels=(8, 8), hidden=32)).set_gripper_widths(0.08, 0.0)   # regression head
    assert gripper_widths(_episodes(n=1)) == (pytest.approx(0.075), 0.0)


def test_binary_checkpoint_round_trip_keeps_the_widths_in_float32(tmp_path):
    model = VLA(BINARY).eval()
    model.set_gripper_widths(0.0712, 0.0)
    loaded, cfg, _ = load_checkpoint(save_checkpoint(tmp_path / "b.pt", model, half=True))
    assert cfg.gripper_head == "binary" and float(loaded.gripper_open_m) == pytest.approx(0.0712, abs=1e-7)


@pytest.mark.skipif(not default_checkpoint().is_file(), reason="no committed VLA checkpoint")
def test_the_committed_regression_checkpoint_loads_strictly_and_regresses_the_width():
    model, cfg, _ = load_checkpoint(default_checkpoint())      # strict load: no new parameters or buffers
    assert cfg.gripper_head == "regression" and model.gripper_head is None
    inputs = example_inputs(model, batch=2)
    with torch.no_grad():
        actions, _ = model(*inputs)
        raw = model.forward_heads(*inputs)["actions"] * model.action_std + model.action_mean
    torch.testing.assert_close(actions, raw)                   # every dimension, the width included, regressed
