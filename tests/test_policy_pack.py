"""Packs (H.264 frames + targets + embeddings) and the GPU-style device-resident sampler."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from promptbot.policy.embeddings import LookupEncoder, instruction_embedder
from promptbot.policy.pack import is_pack, load_pack, pack_episodes
from promptbot.policy.train import DeviceSampler, SampleIndex, TrainConfig, train
from promptbot.models.vla import VLAConfig

TINY = VLAConfig(image_size=32, channels=(8, 8), hidden=32, chunk=4)


def _smooth_frames(rng, t: int, size: int) -> np.ndarray:
    """A moving blob over a gradient: video-like (random noise would not be)."""
    yy, xx = np.mgrid[0:size, 0:size]
    out = np.empty((t, size, size, 3), np.uint8)
    base = rng.uniform(40, 200, 3)
    for k in range(t):
        cx, cy = size * (0.3 + 0.4 * k / max(1, t - 1)), size * 0.5
        blob = 120.0 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (size / 8) ** 2))
        for c in range(3):
            out[k, :, :, c] = np.clip(base[c] + 0.5 * xx + blob * (c + 1) / 3, 0, 255)
    return out


def _episodes(n: int = 3, size: int = 32, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    eps = []
    for i in range(n):
        t = 12 + 3 * i
        texts = [f"pick up the {c} cube" for c in ("red", "blue", "green")[: 1 + i % 3]]
        eps.append(dict(scene=_smooth_frames(rng, t, size), wrist=_smooth_frames(rng, t, size),
                        proprio=rng.normal(size=(t, 17)).astype(np.float32),
                        actions=rng.uniform(-0.2, 0.2, (t, 7)).astype(np.float32),
                        instruction=texts[0], instructions=texts, success=True, skill="pick"))
    return eps


def _embed(texts):
    return np.stack([np.full(384, (hash(t) % 97) / 97.0, np.float32) for t in texts])


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg missing (scripts/setup.sh installs it)")
def test_pack_round_trip(tmp_path):
    eps = _episodes()
    out = tmp_path / "demo.pack.npz"
    summary = pack_episodes(eps, out, _embed, crf=20)
    assert is_pack(out) and summary["segments"] == 3 and summary["frames"] == sum(len(e["actions"]) for e in eps)
    back = load_pack(out, workers=1)
    assert len(back) == len(eps)
    for a, b in zip(eps, back):
        assert b["scene"].shape == a["scene"].shape and b["wrist"].shape == a["wrist"].shape
        # lossy video: about a grey level on average, never a different picture
        assert np.abs(b["scene"].astype(int) - a["scene"]).mean() < 3.0
        assert np.abs(b["wrist"].astype(int) - a["wrist"]).mean() < 3.0
        np.testing.assert_allclose(b["actions"], a["actions"], atol=2e-4)      # float16 storage
        np.testing.assert_allclose(b["proprio"], a["proprio"], rtol=2e-3, atol=2e-3)
        assert b["instructions"] == a["instructions"] and b["skill"] == "pick"
    with np.load(out) as z:     # the embeddings travel with the pack
        assert sorted(z["texts"].tolist()) == sorted({t for e in eps for t in e["instructions"]})
    # ... and train reads them back through the one table reader, LookupEncoder
    embed = instruction_embedder([out])
    np.testing.assert_allclose(embed(["pick up the red cube"]), _embed(["pick up the red cube"]), atol=1e-3)


def test_lookup_encoder_merges_tables_and_names_missing_texts(tmp_path):
    np.savez(tmp_path / "a.npz", texts=np.array(["a", "b"]), vectors=np.array([[1, 0], [0, 1]], np.float16))
    np.savez(tmp_path / "b.npz", texts=np.array(["b", "c"]), vectors=np.array([[2, 2], [3, 3]], np.float16))
    enc = LookupEncoder(tmp_path / "a.npz", tmp_path / "b.npz")
    out = enc.encode(["a", "b", "c"])
    assert out.dtype == np.float32 and out.tolist() == [[1, 0], [2, 2], [3, 3]]   # the later table wins on "b"
    assert enc.encode("c").tolist() == [3, 3]
    with pytest.raises(KeyError, match=r"2 instruction\(s\) not in .*a.npz, .*b.npz, e.g. 'x'"):
        enc.encode(["a", "x", "y"])
    with pytest.raises(ValueError, match="at least one"):
        LookupEncoder()


def test_pack_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="pack.npz"):
        pack_episodes(_episodes(1), tmp_path / "x.npz", _embed)
    with pytest.raises(ValueError, match="no successful"):
        pack_episodes([], tmp_path / "x.pack.npz", _embed)
    bad = _episodes(1)
    bad[0]["wrist"] = None
    with pytest.raises(ValueError, match="scene and wrist"):
        pack_episodes(bad, tmp_path / "x.pack.npz", _embed)
    (tmp_path / "other.pack.npz").write_bytes(b"")
    np.savez(tmp_path / "wrong.pack.npz", format=np.array("something-else"))
    with pytest.raises(ValueError, match="not a promptbot-vla-pack"):
        load_pack(tmp_path / "wrong.pack.npz", workers=1)


def test_device_sampler_matches_sample_index():
    eps = _episodes(3)
    texts = sorted({t for e in eps for t in e["instructions"]})
    ids = {t: i for i, t in enumerate(texts)}
    ref = SampleIndex(eps, chunk=5)
    dev = DeviceSampler(eps, 5, "cpu", True, ids, None)
    assert len(ref) == len(dev)
    sel = np.array([0, 5, 11, 12, 20, len(ref) - 1])
    a = ref.batch(sel, use_wrist=True)
    b = dev.batch(torch.from_numpy(sel))
    np.testing.assert_array_equal(b["scene"].numpy(), a["scene"])
    np.testing.assert_array_equal(b["wrist"].numpy(), a["wrist"])
    np.testing.assert_allclose(b["actions"].numpy(), a["actions"])
    np.testing.assert_array_equal(b["mask"].numpy(), a["mask"])
    np.testing.assert_array_equal(b["done"].numpy(), a["done"])
    assert [texts[i] for i in b["lang_ids"].tolist()] == a["instructions"]
    # with a generator, paraphrases are drawn from the episode's own list
    gen = torch.Generator().manual_seed(0)
    drawn = DeviceSampler(eps, 5, "cpu", True, ids, gen).batch(torch.arange(len(ref)))["lang_ids"]
    owner = np.repeat(np.arange(len(eps)), [len(e["actions"]) for e in eps])
    for k, tid in enumerate(drawn.tolist()):
        assert texts[tid] in eps[owner[k]]["instructions"]
    assert len(set(drawn.tolist())) > 1


def test_training_with_device_resident_data(tmp_path):
    eps = _episodes(4)
    cfg = TrainConfig(out_dir=str(tmp_path), epochs=4, batch_size=8, eval_every_steps=5, model=TINY,
                      val_fraction=0.25, data_on_device=True, threads=1)
    threads = torch.get_num_threads()
    try:
        m = train(eps, cfg, _embed, progress=False)
    finally:
        torch.set_num_threads(threads)      # process-wide: do not slow the tests after this one
    assert m["steps"] == m["total_steps"] > 0 and np.isfinite(m["best_val_l1"])
    assert (tmp_path / "best.pt").is_file()
    hist = [h["train_l1"] for h in m["history"]]
    assert all(np.isfinite(hist))
