"""VLA network, checkpoints, ONNX export parity, backends, temporal ensembling, a training smoke run."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from promptbot.models.vla import VLA, VLAConfig
from promptbot.policy.backends import BackendUnavailable, OnnxRuntimeBackend, TensorRTBackend, TorchBackend
from promptbot.policy.checkpoint import load_checkpoint, save_checkpoint
from promptbot.policy.ensemble import TemporalEnsembler
from promptbot.policy.export import example_inputs, export_onnx, parity
from promptbot.policy.policy import Observation, ObservationError, Policy
from promptbot.policy.train import TrainConfig, train

TINY = VLAConfig(image_size=64, channels=(8, 16, 16, 16), hidden=32, chunk=4)


def test_config_validation():
    with pytest.raises(ValueError, match="image_size"):
        VLAConfig(image_size=50)
    with pytest.raises(ValueError, match="chunk"):
        VLAConfig(chunk=0)
    with pytest.raises(ValueError, match="dropout"):
        VLAConfig(dropout=1.0)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=0.0)
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="fp16")


@pytest.mark.parametrize("use_wrist", [True, False])
def test_shapes_and_normalization(use_wrist):
    cfg = VLAConfig(**{**TINY.to_dict(), "use_wrist": use_wrist})
    model = VLA(cfg).eval()
    model.set_normalization(np.zeros(17), np.ones(17), np.full(7, 0.5), np.full(7, 2.0))
    actions, done = model(*example_inputs(model, batch=3))
    assert actions.shape == (3, cfg.chunk, 7) and done.shape == (3,)
    norm, _ = model.forward_normalized(*example_inputs(model, batch=3))
    torch.testing.assert_close(actions, norm * 2.0 + 0.5)


def test_checkpoint_round_trip(tmp_path):
    model = VLA(TINY).eval()
    path = save_checkpoint(tmp_path / "m.pt", model, {"note": "x"})
    loaded, cfg, meta = load_checkpoint(path)
    assert cfg == TINY and meta == {"note": "x"}
    inputs = example_inputs(model)
    torch.testing.assert_close(model(*inputs)[0], loaded(*inputs)[0])
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(Exception):
        load_checkpoint(tmp_path / "bad.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")


def test_onnx_parity_dynamic_batch(tmp_path):
    model = VLA(TINY).eval()
    model.set_normalization(np.random.rand(17), np.random.rand(17) + 0.5, np.random.rand(7), np.random.rand(7) + 0.1)
    path = export_onnx(model, tmp_path / "vla.onnx")
    assert parity(model, path, batches=(1, 2, 5)) <= 1e-4
    torch_be, ort_be = TorchBackend(model), OnnxRuntimeBackend(path)
    inputs = [x.numpy() for x in example_inputs(model, batch=4)]
    np.testing.assert_allclose(torch_be.run(*inputs)[0], ort_be.run(*inputs)[0], atol=1e-4)


def test_onnx_backend_missing_file_is_clear(tmp_path):
    with pytest.raises(BackendUnavailable, match="promptbot export --onnx"):
        OnnxRuntimeBackend(tmp_path / "none.onnx")


def test_tensorrt_backend(tmp_path):
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        pytest.skip("TensorRT is not installable on this machine (JetPack ships it on Jetson)")
    if not torch.cuda.is_available():
        pytest.skip("TensorRT needs a CUDA GPU")
    model = VLA(TINY).eval()
    path = export_onnx(model, tmp_path / "vla.onnx")
    be = TensorRTBackend(path, cache_dir=tmp_path)
    inputs = [x.numpy() for x in example_inputs(model, batch=1)]
    np.testing.assert_allclose(be.run(*inputs)[0], TorchBackend(model).run(*inputs)[0], atol=5e-2)


def test_tensorrt_absent_gives_reason(tmp_path):
    try:
        import tensorrt  # noqa: F401
        pytest.skip("TensorRT is installed here; the absent-path message is not reachable")
    except ImportError:
        pass
    with pytest.raises(BackendUnavailable, match="TensorRT is not installed"):
        TensorRTBackend(tmp_path / "x.onnx")


class _FakeEncoder:
    """Deterministic 384-d unit vectors (the real encoder is tested in test_policy_language)."""

    def encode(self, texts):
        single = isinstance(texts, str)
        items = [texts] if single else texts
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in items])
        out = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
        return out[0] if single else out


def test_policy_infer_and_bad_observations():
    model = VLA(TINY).eval()
    policy = Policy(TorchBackend(model), TINY, encoder=_FakeEncoder())
    obs = Observation(scene_rgb=np.zeros((120, 160, 3), np.uint8), wrist_rgb=np.zeros((64, 64, 3), np.uint8),
                      proprio=np.zeros(17, np.float32), instruction="pick up the red cube")
    chunk = policy.infer(obs)
    assert chunk.actions.shape == (TINY.chunk, 7) and 0.0 <= chunk.done_prob <= 1.0 and chunk.latency_s > 0
    with pytest.raises(ObservationError, match="uint8"):
        policy.infer(Observation(np.zeros((64, 64, 3), np.float32), np.zeros(17), "x", np.zeros((64, 64, 3), np.uint8)))
    with pytest.raises(ObservationError, match="wrist"):
        policy.infer(Observation(np.zeros((64, 64, 3), np.uint8), np.zeros(17), "x"))
    with pytest.raises(ObservationError, match="NaN"):
        policy.infer(Observation(obs.scene_rgb, np.full(17, np.nan), "x", obs.wrist_rgb))
    with pytest.raises(ObservationError, match="17 values"):
        policy.infer(Observation(obs.scene_rgb, np.zeros(3), "x", obs.wrist_rgb))


def test_temporal_ensembler():
    ens = TemporalEnsembler(chunk=3, action_dim=1, k=0.0)
    ens.add(np.array([[0.0], [1.0], [2.0]]))
    assert ens.step()[0] == 0.0
    ens.add(np.array([[10.0], [11.0], [12.0]]))
    assert ens.step()[0] == pytest.approx((1.0 + 10.0) / 2)
    with pytest.raises(ValueError, match="NaN"):
        ens.add(np.array([[np.nan], [0.0], [0.0]]))
    weighted = TemporalEnsembler(chunk=2, action_dim=1, k=1.0)
    weighted.add(np.array([[0.0], [0.0]]))
    weighted.step()
    weighted.add(np.array([[1.0], [1.0]]))
    assert weighted.step()[0] == pytest.approx(np.exp(-1) / (1 + np.exp(-1)))  # oldest weighs most
    newest = TemporalEnsembler(chunk=2, action_dim=1, k=-1.0)
    newest.add(np.array([[0.0], [0.0]]))
    newest.step()
    newest.add(np.array([[1.0], [1.0]]))
    assert newest.step()[0] == pytest.approx(np.e / (1 + np.e))  # k < 0: the newest weighs most
    with pytest.raises(ValueError, match="k must be"):
        TemporalEnsembler(2, 1, k=float("nan"))
    with pytest.raises(RuntimeError, match="add"):
        TemporalEnsembler(2, 1).step()


def test_training_smoke_run_and_resume(tmp_path):
    rng = np.random.default_rng(0)
    episodes = []
    for i in range(4):
        T = 10
        episodes.append(dict(
            scene=rng.integers(0, 255, (T, 64, 64, 3), dtype=np.uint8),
            wrist=rng.integers(0, 255, (T, 64, 64, 3), dtype=np.uint8),
            proprio=rng.normal(size=(T, 17)).astype(np.float32),
            actions=np.tile(np.linspace(-0.1, 0.1, 7, dtype=np.float32), (T, 1)) * (i + 1),
            instruction=f"pick up the {'red' if i % 2 else 'blue'} cube", success=True))
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=3, batch_size=8, eval_every_steps=2, model=TINY, val_fraction=0.25)
    enc = _FakeEncoder()
    m1 = train(episodes, cfg, enc.encode, progress=False)
    assert m1["steps"] == m1["total_steps"] > 0
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "last.pt").is_file()
    assert np.isfinite(m1["best_val_l1"])
    load_checkpoint(tmp_path / "best.pt")
    cfg2 = TrainConfig(**{**cfg.__dict__, "epochs": 4})
    m2 = train(episodes, cfg2, enc.encode, resume=True, progress=False)
    assert m2["steps"] > m1["steps"]
    assert len(m2["history"]) > len(m1["history"])


def test_precision_auto_follows_the_cpu_and_a_bf16_run_trains(tmp_path, monkeypatch):
    import promptbot.policy.train as train_mod

    monkeypatch.setattr(train_mod, "cpu_has_bf16", lambda: False)
    assert train_mod.resolve_precision("auto", "cpu") == "fp32"
    monkeypatch.setattr(train_mod, "cpu_has_bf16", lambda: True)
    assert train_mod.resolve_precision("auto", "cpu") == "bf16"
    assert train_mod.resolve_precision("auto", "cuda") == "fp32"      # a GPU keeps TF32
    assert train_mod.resolve_precision("fp32", "cpu") == "fp32"
    # bfloat16 autocast runs on any CPU (emulated where there are no units): a forced bf16 run trains and
    # its validation (float32) is finite, and the run records the precision it used
    rng = np.random.default_rng(1)
    episodes = [dict(scene=rng.integers(0, 255, (8, 64, 64, 3), dtype=np.uint8),
                     wrist=rng.integers(0, 255, (8, 64, 64, 3), dtype=np.uint8),
                     proprio=rng.normal(size=(8, 17)).astype(np.float32),
                     actions=np.tile(np.linspace(-0.1, 0.1, 7, dtype=np.float32), (8, 1)) * (i + 1),
                     instruction="pick up the red cube", success=True) for i in range(4)]
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=2, batch_size=8, eval_every_steps=2, model=TINY,
                      val_fraction=0.25, precision="bf16")
    m = train(episodes, cfg, _FakeEncoder().encode, progress=False)
    assert m["precision"] == "bf16" and m["steps"] == m["total_steps"] > 0 and np.isfinite(m["best_val_l1"])
    ckpt = load_checkpoint(tmp_path / "best.pt")[0]
    assert all(p.dtype == torch.float32 for p in ckpt.parameters())     # weights stay float32


def test_fine_tuning_starts_from_a_checkpoint_and_keeps_its_normalisation(tmp_path):
    rng = np.random.default_rng(1)
    T = 8
    episodes = [dict(scene=rng.integers(0, 255, (T, 64, 64, 3), dtype=np.uint8),
                     wrist=rng.integers(0, 255, (T, 64, 64, 3), dtype=np.uint8),
                     proprio=rng.normal(size=(T, 17)).astype(np.float32),
                     actions=rng.normal(size=(T, 7)).astype(np.float32),
                     instruction="pick up the red cube", success=True) for _ in range(3)]
    base = VLA(TINY)
    base.set_normalization(np.full(17, 0.5), np.full(17, 2.0), np.full(7, -0.25), np.full(7, 3.0))
    save_checkpoint(tmp_path / "base.pt", base)
    cfg = TrainConfig(out_dir=str(tmp_path / "ft"), epochs=1, batch_size=8, lr=1e-9, val_fraction=0.0,
                      model=TINY, init_checkpoint=str(tmp_path / "base.pt"))
    train(episodes, cfg, _FakeEncoder().encode, progress=False)
    tuned, _, _ = load_checkpoint(tmp_path / "ft" / "best.pt")
    assert torch.equal(tuned.action_std, base.action_std) and torch.equal(tuned.proprio_mean, base.proprio_mean)
    w0, w1 = base.state_dict(), tuned.state_dict()
    assert all(torch.allclose(w0[k], w1[k], atol=1e-5) for k in w0)      # lr ~0: still the checkpoint's weights
    fresh = TrainConfig(**{**cfg.__dict__, "out_dir": str(tmp_path / "fresh"), "init_checkpoint": ""})
    train(episodes, fresh, _FakeEncoder().encode, progress=False)
    scratch, _, _ = load_checkpoint(tmp_path / "fresh" / "best.pt")
    assert not torch.equal(scratch.action_std, base.action_std)           # a fresh run normalises on its data
    other = TrainConfig(**{**cfg.__dict__, "model": VLAConfig(image_size=64, channels=(8, 16, 16, 16), hidden=64,
                                                               chunk=4)})
    with pytest.raises(ValueError, match="differs"):
        train(episodes, other, _FakeEncoder().encode, progress=False)
