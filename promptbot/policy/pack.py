"""Pack skill-segment datasets into one small file, e.g. to move them to a GPU machine.

``promptbot collect`` folders keep 96 px frames in compressed npz (~450 kB per
episode). A pack keeps what training reads: every successful skill segment
(``promptbot.policy.data.load_segments``) at the model's resolution, its frames
as H.264 video (yuv444p, ``crf`` quality; ~20x smaller than zlib for the static
scene camera), proprioception, actions, all paraphrases, and the instruction
embeddings of those paraphrases, so the training machine needs neither the
simulator nor the sentence encoder.

    python -m promptbot.policy.pack --data data/skills_a data/skills_b --out data/skills.pack.npz
    promptbot train --data data/skills.pack.npz --preset gpu

Frames decode within about 1.4 grey levels of the originals (crf 20: mean abs
error on 0-255; ~230 bytes per frame for both cameras at 64 px), far below the
random-shift augmentation the trainer adds.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from promptbot.policy.train import Episode

FORMAT = "promptbot-vla-pack"
VERSION = 1
FPS = 20


def is_pack(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_file() and p.name.endswith(".pack.npz")


def _encode(frames: np.ndarray, crf: int) -> bytes:
    """(T, S, S, 3) uint8 RGB -> H.264 mp4 bytes (ffmpeg/libx264, lossless chroma)."""
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("packing needs ffmpeg (apt install ffmpeg; scripts/setup.sh installs it)")
    t, h, w, _ = frames.shape
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "v.mp4"
        cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
               "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "slow", "-crf", str(crf),
               "-pix_fmt", "yuv444p", "-threads", "1", str(out)]
        proc = subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {proc.stderr.decode(errors='replace')[-400:]}")
        return out.read_bytes()


def _decode(data: bytes, n_frames: int, size: int) -> np.ndarray:
    import cv2

    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        cap = cv2.VideoCapture(f.name)
        frames = []
        while True:
            ok, im = cap.read()
            if not ok:
                break
            frames.append(im[:, :, ::-1])
        cap.release()
    if len(frames) != n_frames or (frames and frames[0].shape[:2] != (size, size)):
        raise ValueError(f"decoded {len(frames)} frames of {frames[0].shape if frames else None}, "
                         f"expected {n_frames} of {size}x{size}")
    return np.ascontiguousarray(np.stack(frames))


def _encode_job(args) -> tuple[bytes, bytes]:
    scene, wrist, crf = args
    return _encode(scene, crf), _encode(wrist, crf)


def _decode_job(args) -> tuple[np.ndarray, np.ndarray]:
    scene, wrist, n, size = args
    return _decode(scene, n, size), _decode(wrist, n, size)


def pack(roots: Iterable[str | os.PathLike], out: str | os.PathLike, embed: Callable[[list[str]], np.ndarray],
         image_size: int = 64, crf: int = 20, seed: int = 0, workers: int = 1, progress: bool = True) -> dict:
    """Pack the successful skill segments of dataset folders; returns a summary."""
    from promptbot.policy.data import load_segments

    if not str(out).endswith(".pack.npz"):      # fail before minutes of loading
        raise ValueError(f"a pack's file name ends in .pack.npz, got {Path(out).name}")
    episodes = load_segments(list(roots), image_size, use_wrist=True, seed=seed)
    return pack_episodes(episodes, out, embed, crf, workers, progress)


def pack_episodes(episodes: list[Episode], out: str | os.PathLike, embed: Callable[[list[str]], np.ndarray],
                  crf: int = 20, workers: int = 1, progress: bool = False) -> dict:
    """Write training episodes (square frames, scene and wrist) as a pack; returns a summary."""
    out = Path(out)
    if not out.name.endswith(".pack.npz"):
        raise ValueError(f"a pack's file name ends in .pack.npz, got {out.name}")
    if not 0 <= crf <= 51:
        raise ValueError(f"crf must be in [0, 51], got {crf}")
    if not episodes:
        raise ValueError("no successful skill segments to pack")
    image_size = int(episodes[0]["scene"].shape[1])
    for e in episodes:
        if e.get("wrist") is None or e["scene"].shape[1:] != (image_size, image_size, 3) \
                or e["wrist"].shape != e["scene"].shape:
            raise ValueError("every episode needs scene and wrist frames of one square size")
    jobs = [(e["scene"], e["wrist"], crf) for e in episodes]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(jobs), desc="pack", unit="seg")
    videos: list[tuple[bytes, bytes]] = []
    with ProcessPoolExecutor(max(1, workers)) as pool:
        for v in pool.map(_encode_job, jobs, chunksize=4):
            videos.append(v)
            if bar:
                bar.update(1)
    if bar:
        bar.close()
    texts = sorted({t for e in episodes for t in (e.get("instructions") or [e["instruction"]])})
    vectors = np.asarray(embed(texts), np.float32)
    arrays = {
        "format": np.array(FORMAT), "version": np.array(VERSION), "image_size": np.array(image_size),
        "lengths": np.array([len(e["actions"]) for e in episodes], np.int64),
        "skills": np.array([e["skill"] for e in episodes]),
        "instructions": np.array(json.dumps([e.get("instructions") or [e["instruction"]] for e in episodes])),
        # float16: < 2e-3 rad / 0.3 mm/s rounding, far inside the demonstrations' own spread
        "proprio": np.concatenate([e["proprio"] for e in episodes]).astype(np.float16),
        "actions": np.concatenate([e["actions"] for e in episodes]).astype(np.float16),
        "texts": np.array(texts), "vectors": vectors.astype(np.float16),
    }
    for k, cam in enumerate(("scene", "wrist")):
        blobs = [v[k] for v in videos]
        arrays[f"{cam}_video"] = np.frombuffer(b"".join(blobs), np.uint8)
        arrays[f"{cam}_offsets"] = np.cumsum([0, *map(len, blobs)]).astype(np.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, out)
    return {"out": str(out), "segments": len(episodes), "frames": int(arrays["lengths"].sum()),
            "texts": len(texts), "bytes": out.stat().st_size,
            "by_skill": {s: int((arrays["skills"] == s).sum()) for s in sorted(set(arrays["skills"].tolist()))}}


def load_pack(path: str | os.PathLike, workers: int = 0, max_segments: int = 0) -> list[Episode]:
    """Decode a pack into training episodes (``workers`` decoding processes, 0 = all cores;
    ``max_segments`` > 0 decodes only the first ones)."""
    with np.load(path, allow_pickle=False) as z:
        if str(z["format"]) != FORMAT:
            raise ValueError(f"{path} is not a {FORMAT} file")
        if int(z["version"]) > VERSION:
            raise ValueError(f"{path} has pack version {int(z['version'])}; this code reads <= {VERSION}")
        data = {k: z[k] for k in z.files}
    size = int(data["image_size"])
    lengths = data["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)])
    instructions = json.loads(str(data["instructions"]))

    def blob(cam: str, i: int) -> bytes:
        off = data[f"{cam}_offsets"]
        return data[f"{cam}_video"][off[i]:off[i + 1]].tobytes()

    if max_segments:
        lengths = lengths[:max_segments]
    jobs = [(blob("scene", i), blob("wrist", i), int(n), size) for i, n in enumerate(lengths)]
    n_workers = workers or os.cpu_count() or 1
    if n_workers > 1:
        with ProcessPoolExecutor(n_workers) as pool:
            frames = list(pool.map(_decode_job, jobs, chunksize=8))
    else:
        frames = [_decode_job(j) for j in jobs]
    out: list[Episode] = []
    for i, (scene, wrist) in enumerate(frames):
        a, b = starts[i], starts[i + 1]
        texts = instructions[i]
        out.append(Episode(scene=scene, wrist=wrist, proprio=data["proprio"][a:b].astype(np.float32),
                           actions=data["actions"][a:b].astype(np.float32),
                           instruction=texts[0], instructions=texts, success=True, skill=str(data["skills"][i])))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", required=True, help="dataset folders (promptbot collect)")
    p.add_argument("--out", required=True, help="output file, NAME.pack.npz")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--crf", type=int, default=20, help="H.264 quality (lower = larger; 20: ~1.4 grey levels)")
    p.add_argument("--embeddings", default=None, help="npz table of instruction embeddings (default: the encoder)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    from promptbot.policy.embeddings import instruction_embedder

    summary = pack(a.data, a.out, instruction_embedder([a.embeddings] if a.embeddings else []), a.image_size, a.crf,
                   workers=a.workers, progress=not a.quiet)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
