"""Behaviour cloning of the VLA from scripted-expert demonstrations.

Episodes are plain dicts (see ``Episode``) so the trainer does not care how
they were stored; ``promptbot.policy.data`` reads the on-disk format written
by ``promptbot collect``. Loss: L1 on normalised action chunks (ACT) + BCE on
the done flag; with the binary gripper head (``VLAConfig.gripper_head``) the
width leaves the L1 and a BCE on open/close per chunk step takes its place.
With the auxiliary head (``VLAConfig.aux_dim``) an L1 on where the step's object and
destination are relative to the end effector (the episodes' ``targets``, in units of
``AUX_SCALE_M``; steps without a destination are masked) is added, ``aux_weight`` times.
Checkpoints: ``<out>/last.pt`` (resumable: model, optimiser,
step) and ``<out>/best.pt`` (lowest validation loss, small, for serving). ``TrainConfig.init_checkpoint``
fine-tunes a serving checkpoint (e.g. the committed one) on new data: its
weights *and* its normalisation statistics are kept, so the network keeps
reading actions and proprioception in the units it learned them in.
"""
from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, TypedDict

import numpy as np
import torch
from torch.nn import functional as F

from promptbot.models.vla import AUX_SCALE_M, GRIPPER_DIM, GRIPPER_OPEN_SPLIT_M, TARGET_DIM, VLA, VLAConfig
from promptbot.policy.checkpoint import load_checkpoint, save_checkpoint

log = logging.getLogger(__name__)

DONE_WINDOW = 3          # the last DONE_WINDOW steps of a successful episode are labelled done
DONE_POS_WEIGHT = 8.0    # done steps are rare (~2 %): weight them up so the flag can fire
PRECISIONS = ("auto", "fp32", "bf16")


def cpu_has_bf16() -> bool:
    """Whether this CPU has bfloat16 matrix units (AMX tiles or AVX-512 BF16) that oneDNN's convolutions use."""
    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except AttributeError:           # an older torch without the probes: assume not
        return False


def resolve_precision(precision: str, device: str) -> str:
    """"auto" -> "bf16" on a CPU with bfloat16 units, else "fp32" (a GPU already uses TF32 matmuls)."""
    if precision != "auto":
        return precision
    return "bf16" if str(device) == "cpu" and cpu_has_bf16() else "fp32"


class Episode(TypedDict, total=False):
    scene: np.ndarray            # (T, S, S, 3) uint8
    wrist: np.ndarray | None     # (T, S, S, 3) uint8 or None
    proprio: np.ndarray          # (T, P) float32
    actions: np.ndarray          # (T, 7) float32
    instruction: str
    success: bool
    # optional: all training paraphrases of the step; one is drawn per sample (language augmentation)
    skill: str                   # pick | place | stack | push
    targets: np.ndarray          # optional (T, 6) float32: object - EE, destination - EE [m], NaN = none


@dataclass
class TrainConfig:
    out_dir: str = "runs/train"
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.05
    seed: int = 0
    device: str = "cpu"
    threads: int = 0                      # torch intra-op threads (0 = torch default)
    shift_px: int = 4                     # random-shift augmentation [px]
    done_weight: float = 0.1
    gripper_weight: float = 0.5           # BCE of the binary gripper head, relative to the action L1
    aux_weight: float = 0.5               # L1 of the auxiliary target head (model.aux_dim > 0), relative
    # extra action-loss weight on training samples whose active target (the object, or the destination once the
    # object is in the hand) is within near_radius_m of the gripper: 0 = off, 2 = those samples count 3 times.
    # Needs episodes with targets (others weigh 1); validation stays unweighted, so val L1 compares across runs
    near_weight: float = 0.0
    near_radius_m: float = 0.10
    eval_every_steps: int = 500
    max_minutes: float = 0.0              # stop after this wall time (0 = no limit)
    data_on_device: bool = False          # keep every frame on cfg.device, batch by one gather (GPU)
    init_checkpoint: str = ""             # start from this serving checkpoint's weights (fine-tuning)
    # forward pass in bfloat16 (autocast; weights, optimiser and validation stay float32): "auto" uses it on a CPU
    # with AMX or AVX-512 BF16 units, where a training step of the cpu preset is ~1.6x faster (`promptbot bench
    # train-precision`); "fp32" never, "bf16" always
    precision: str = "auto"
    model: VLAConfig = field(default_factory=VLAConfig)

    def __post_init__(self):
        if isinstance(self.model, dict):
            m = dict(self.model)
            m["channels"] = tuple(m.get("channels", VLAConfig().channels))
            self.model = VLAConfig(**m)
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be >= 1")
        if not 0 < self.lr < 1:
            raise ValueError(f"lr must be in (0, 1), got {self.lr}")
        if not 0 <= self.val_fraction < 0.5:
            raise ValueError("val_fraction must be in [0, 0.5)")
        if self.shift_px < 0 or self.max_minutes < 0 or self.aux_weight < 0 or self.near_weight < 0:
            raise ValueError("shift_px, max_minutes, aux_weight and near_weight must be >= 0")
        if self.near_radius_m <= 0:
            raise ValueError(f"near_radius_m must be > 0, got {self.near_radius_m}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")


_NO_TARGET = np.full(TARGET_DIM, np.nan, np.float32)


def episode_targets(ep: Episode) -> np.ndarray:
    """(T, TARGET_DIM) auxiliary targets of an episode; NaN rows where it has none (e.g. from a pack)."""
    tg = ep.get("targets")
    return tg if tg is not None else np.full((len(ep["actions"]), TARGET_DIM), np.nan, np.float32)


class SampleIndex:
    """Flat (episode, t) index with chunk targets built on the fly."""

    def __init__(self, episodes: list[Episode], chunk: int, rng: np.random.Generator | None = None):
        self.episodes = episodes
        self.chunk = chunk
        self.rng = rng            # set: draw one of the episode's paraphrases per sample
        self.index = np.array([(e, t) for e, ep in enumerate(episodes) for t in range(len(ep["actions"]))],
                              dtype=np.int64).reshape(-1, 2)

    def __len__(self) -> int:
        return len(self.index)

    def batch(self, ids: np.ndarray, use_wrist: bool) -> dict[str, np.ndarray]:
        scenes, wrists, props, acts, masks, dones, instrs, targets = [], [], [], [], [], [], [], []
        for e, t in self.index[ids]:
            ep = self.episodes[e]
            T = len(ep["actions"])
            scenes.append(ep["scene"][t])
            if use_wrist:
                wrists.append(ep["wrist"][t])
            props.append(ep["proprio"][t])
            idx = np.minimum(np.arange(t, t + self.chunk), T - 1)
            acts.append(ep["actions"][idx])
            masks.append((np.arange(t, t + self.chunk) < T).astype(np.float32))
            dones.append(float(ep["success"] and t >= T - DONE_WINDOW))
            tg = ep.get("targets")
            targets.append(tg[t] if tg is not None else _NO_TARGET)
            texts = ep.get("instructions")
            if self.rng is not None and texts:
                instrs.append(texts[int(self.rng.integers(len(texts)))])
            else:
                instrs.append(ep["instruction"])
        out = {"scene": np.stack(scenes), "proprio": np.stack(props).astype(np.float32),
               "actions": np.stack(acts).astype(np.float32), "mask": np.stack(masks),
               "done": np.asarray(dones, np.float32), "instructions": instrs,
               "targets": np.stack(targets).astype(np.float32)}
        if use_wrist:
            out["wrist"] = np.stack(wrists)
        return out


class DeviceSampler:
    """Like SampleIndex, with every frame and target resident on the training device.

    A batch is a handful of tensor gathers instead of a Python loop over samples: on a
    GPU the loop, not the network, limits a small model's training speed.
    """

    def __init__(self, episodes: list[Episode], chunk: int, device: str, use_wrist: bool,
                 text_ids: dict[str, int], generator: torch.Generator | None):
        lengths = np.array([len(e["actions"]) for e in episodes], np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        ep_of = np.repeat(np.arange(len(episodes)), lengths)
        t_of = np.concatenate([np.arange(n) for n in lengths]) if len(lengths) else np.zeros(0, np.int64)

        def cat(key: str) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(np.concatenate([e[key] for e in episodes]))).to(device)
        self.scene = cat("scene")
        self.wrist = cat("wrist") if use_wrist else None
        self.proprio = cat("proprio").float()
        self.actions = cat("actions").float()
        self.targets = torch.from_numpy(np.concatenate([episode_targets(e) for e in episodes])
                                        .astype(np.float32)).to(device)
        dev = torch.device(device)
        self.chunk = chunk
        self.start = torch.from_numpy(starts[ep_of]).to(dev)
        self.t = torch.from_numpy(t_of).to(dev)
        self.length = torch.from_numpy(lengths[ep_of]).to(dev)
        self.ep = torch.from_numpy(ep_of).to(dev)
        self.success = torch.tensor([bool(e["success"]) for e in episodes], device=dev)
        texts = [e.get("instructions") or [e["instruction"]] for e in episodes]
        width = max(len(t) for t in texts)
        self.text_ids = torch.tensor([[text_ids[x] for x in t] + [text_ids[t[0]]] * (width - len(t)) for t in texts],
                                     device=dev)
        self.n_texts = torch.tensor([len(t) for t in texts], device=dev)
        self.fixed_text = torch.tensor([text_ids[e["instruction"]] for e in episodes], device=dev)
        self.generator = generator      # set: draw one of the episode's paraphrases per sample

    def __len__(self) -> int:
        return len(self.t)

    def batch(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        t, n, ep = self.t[ids], self.length[ids], self.ep[ids]
        steps = t[:, None] + torch.arange(self.chunk, device=ids.device)
        frame = self.start[ids] + t
        chunk_idx = self.start[ids][:, None] + torch.minimum(steps, (n - 1)[:, None])
        if self.generator is not None:
            u = torch.rand(len(ids), device=ids.device, generator=self.generator)
            pick = (u * self.n_texts[ep]).long().clamp_max(self.text_ids.shape[1] - 1)
            lang = self.text_ids[ep, pick]
        else:
            lang = self.fixed_text[ep]
        out = {"scene": self.scene[frame], "proprio": self.proprio[frame], "actions": self.actions[chunk_idx],
               "mask": (steps < n[:, None]).float(),
               "done": (self.success[ep] & (t >= n - DONE_WINDOW)).float(), "lang_ids": lang,
               "targets": self.targets[frame]}
        if self.wrist is not None:
            out["wrist"] = self.wrist[frame]
        return out


def _shifted(t: torch.Tensor, shift: int, dx: torch.Tensor, dy: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) images moved by per-image offsets dx, dy in [0, 2 * shift] (edge pixels replicated)."""
    b, _, h, w = t.shape
    padded = F.pad(t, (shift, shift, shift, shift), mode="replicate")
    rows = (dy[:, None] + torch.arange(h, device=t.device))[:, :, None]            # (b, h, 1)
    cols = (dx[:, None] + torch.arange(w, device=t.device))[:, None, :]            # (b, 1, w)
    return padded.permute(0, 2, 3, 1)[torch.arange(b, device=t.device)[:, None, None], rows, cols] \
        .permute(0, 3, 1, 2).contiguous()


def _shift_on_device(x: torch.Tensor, shift: int, generator: torch.Generator | None) -> torch.Tensor:
    """(B, H, W, 3) uint8 on any device -> (B, 3, H, W) float in [0, 1], randomly shifted by <= shift px."""
    t = x.permute(0, 3, 1, 2).float().div_(255.0)
    if not shift or generator is None:
        return t
    d = torch.randint(0, 2 * shift + 1, (2, len(t)), device=t.device, generator=generator)
    return _shifted(t, shift, d[0], d[1])


def _to_image_tensor(x: np.ndarray, shift: int, rng: np.random.Generator | None) -> torch.Tensor:
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float().div_(255.0)
    if shift and rng is not None:
        dx, dy = (torch.from_numpy(v) for v in rng.integers(0, 2 * shift + 1, size=(2, len(t))))
        t = _shifted(t, shift, dx, dy)
    return t


def normalization_stats(episodes: list[Episode]) -> tuple[np.ndarray, ...]:
    props = np.concatenate([e["proprio"] for e in episodes]).astype(np.float64)
    acts = np.concatenate([e["actions"] for e in episodes]).astype(np.float64)
    return props.mean(0), props.std(0), acts.mean(0), acts.std(0)


def gripper_widths(episodes: list[Episode]) -> tuple[float, float]:
    """(open, closed) width [m] the binary head commands: the median of the data's open and closed commands."""
    widths = np.concatenate([e["actions"][:, GRIPPER_DIM] for e in episodes]).astype(np.float64)
    opened, closed = widths[widths > GRIPPER_OPEN_SPLIT_M], widths[widths <= GRIPPER_OPEN_SPLIT_M]
    return (float(np.median(opened)) if opened.size else 0.08, float(np.median(closed)) if closed.size else 0.0)


def gripper_loss(logits: torch.Tensor, widths: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked BCE of the binary head's (B, H) open logits against commanded (B, H) widths [m]."""
    target = (widths > GRIPPER_OPEN_SPLIT_M).float()
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (bce * mask).sum() / mask.sum().clamp_min(1.0)


def aux_loss(pred: torch.Tensor, targets_m: torch.Tensor) -> torch.Tensor:
    """L1 of the auxiliary head's (B, 6) output against (B, 6) targets [m] in units of AUX_SCALE_M; NaN = none."""
    valid = torch.isfinite(targets_m)
    err = (pred - torch.nan_to_num(targets_m) / AUX_SCALE_M).abs() * valid
    return err.sum() / valid.sum().clamp_min(1)


HELD_M = 0.02      # object - EE under this (with a destination known): the object is in the hand


def near_target_weights(targets_m: torch.Tensor, radius_m: float, extra: float) -> torch.Tensor:
    """(B,) loss weights from (B, TARGET_DIM) targets [m]: 1 + extra where the active target is within radius_m.

    The active target is the destination once the object is in the hand (object - EE under HELD_M and a
    destination known), else the object. Samples without targets (NaN) weigh 1.
    """
    obj = torch.linalg.vector_norm(targets_m[:, :3], dim=1)
    dst = torch.linalg.vector_norm(targets_m[:, 3:], dim=1)
    held = (obj < HELD_M) & ~torch.isnan(dst)
    active = torch.where(held, dst, obj)
    return 1.0 + extra * (active < radius_m).to(targets_m.dtype)       # NaN < r is False


def _init_from(model: VLA, path: str) -> None:
    """Copy a serving checkpoint's weights and normalisation into ``model`` (same architecture only)."""
    init, init_cfg, _ = load_checkpoint(path)
    want, have = model.cfg.to_dict(), init_cfg.to_dict()
    # an auxiliary head may be added to a checkpoint without one: it starts fresh, the rest is copied
    added_aux = bool(want["aux_dim"]) and not have.get("aux_dim")
    if added_aux:
        have = {**have, "aux_dim": want["aux_dim"]}
    if have != want:
        diff = {k: (v, want.get(k)) for k, v in have.items() if want.get(k) != v}
        raise ValueError(f"cannot fine-tune from {path}: its network differs from the preset's "
                         f"(checkpoint vs preset: {diff})")
    missing, unexpected = model.load_state_dict(init.state_dict(), strict=not added_aux)
    if unexpected or any(not k.startswith("aux_head.") for k in missing):
        raise ValueError(f"cannot fine-tune from {path}: weights missing {missing}, unexpected {unexpected}")
    log.info("initialised from %s%s", path, " (a new auxiliary head)" if added_aux else "")


def train(episodes: list[Episode], cfg: TrainConfig, embed: Callable[[list[str]], np.ndarray],
          resume: bool = False, progress: bool = True) -> dict:
    """Train and return metrics; writes last.pt / best.pt / metrics.json under cfg.out_dir."""
    if not episodes:
        raise ValueError("no episodes to train on")
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    if str(cfg.device).startswith("cuda"):
        torch.set_float32_matmul_precision("high")     # TF32 matmuls: ~2x, well inside BC's noise
    rng = np.random.default_rng(cfg.seed)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = rng.permutation(len(episodes))
    n_val = max(1, int(round(cfg.val_fraction * len(episodes)))) if len(episodes) > 1 and cfg.val_fraction else 0
    val_eps = [episodes[i] for i in order[:n_val]]
    train_eps = [episodes[i] for i in order[n_val:]]
    mcfg = cfg.model
    if mcfg.use_wrist and any(e.get("wrist") is None for e in episodes):
        raise ValueError("the model config uses the wrist camera but some episodes have no wrist images")
    if mcfg.aux_dim and not any(e.get("targets") is not None for e in episodes):
        raise ValueError("the model has an auxiliary target head but no episode has targets (recorded by "
                         "promptbot.sim.demos since 2026-12-06; packs carry none): recollect, or train without it")
    model = VLA(mcfg)
    if cfg.init_checkpoint:
        _init_from(model, cfg.init_checkpoint)
    else:
        model.set_normalization(*normalization_stats(train_eps))
        if mcfg.gripper_head == "binary":
            model.set_gripper_widths(*gripper_widths(train_eps))
    model = model.to(cfg.device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    on_device = cfg.data_on_device
    gen = None
    lang_table: torch.Tensor | None = None
    if on_device:
        texts = sorted({x for e in episodes for x in (e.get("instructions") or [e["instruction"]])}
                       | {e["instruction"] for e in episodes})
        text_ids = {x: i for i, x in enumerate(texts)}
        lang_table = torch.from_numpy(np.asarray(embed(texts), np.float32)).to(cfg.device)
        gen = torch.Generator(device=cfg.device)
        gen.manual_seed(cfg.seed)
        train_idx = DeviceSampler(train_eps, mcfg.chunk, cfg.device, mcfg.use_wrist, text_ids, gen)
        val_idx = DeviceSampler(val_eps, mcfg.chunk, cfg.device, mcfg.use_wrist, text_ids, None)
    else:
        train_idx, val_idx = SampleIndex(train_eps, mcfg.chunk, rng), SampleIndex(val_eps, mcfg.chunk)
    steps_per_epoch = max(1, math.ceil(len(train_idx) / cfg.batch_size))
    total_steps = cfg.epochs * steps_per_epoch

    def fraction_done(at_step: int) -> float:
        """Fraction of training done: by steps, or by wall time when a time limit is set."""
        frac = at_step / max(1, total_steps)
        if cfg.max_minutes:
            frac = max(frac, minutes_done() / cfg.max_minutes)
        return min(1.0, frac)

    def set_lr(at_step: int) -> None:
        # linear warm-up (5 % of the steps, at most 500), then cosine decay to 5 % of lr; with a
        # time limit the decay follows the wall clock, so a stopped run still ends at a low lr
        warm = max(1, min(500, int(0.05 * total_steps)))
        if at_step < warm:
            f = at_step / warm
        else:
            f = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * fraction_done(at_step)))
        for group in opt.param_groups:
            group["lr"] = cfg.lr * f

    step, best_val, history, minutes_before = 0, math.inf, [], 0.0
    last = out / "last.pt"
    if resume and last.is_file():
        state = torch.load(last, map_location=cfg.device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, best_val, history = state["step"], state["best_val"], state["history"]
        minutes_before = float(state.get("minutes", 0.0))
        rng = np.random.default_rng(cfg.seed + step)
        if on_device:
            gen.manual_seed(cfg.seed + step)
        else:
            train_idx.rng = rng
        log.info("resumed from %s at step %d", last, step)
    instr_vecs: dict[str, np.ndarray] = {}

    def lang_for(instrs: list[str]) -> torch.Tensor:
        missing = sorted({s for s in instrs if s not in instr_vecs})
        if missing:
            for s, v in zip(missing, embed(missing)):
                instr_vecs[s] = np.asarray(v, np.float32)
        return torch.from_numpy(np.stack([instr_vecs[s] for s in instrs])).to(cfg.device)

    def tensors(b: dict, augment: bool) -> tuple[torch.Tensor, ...]:
        """(scene, wrist, lang, proprio, actions, mask, done) on cfg.device from either sampler's batch."""
        shift = cfg.shift_px if augment else 0
        if on_device:
            scene = _shift_on_device(b["scene"], shift, gen if augment else None)
            wrist = _shift_on_device(b["wrist"], shift, gen if augment else None) if mcfg.use_wrist else None
            return (scene, wrist if wrist is not None else torch.zeros_like(scene), lang_table[b["lang_ids"]],
                    b["proprio"], b["actions"], b["mask"], b["done"])
        r = rng if augment else None
        scene = _to_image_tensor(b["scene"], shift, r).to(cfg.device)
        wrist = (_to_image_tensor(b["wrist"], shift, r).to(cfg.device)
                 if mcfg.use_wrist else torch.zeros_like(scene))
        return (scene, wrist, lang_for(b["instructions"]), *(torch.from_numpy(b[k]).to(cfg.device)
                                                            for k in ("proprio", "actions", "mask", "done")))

    binary = mcfg.gripper_head == "binary"
    dims = GRIPPER_DIM if binary else mcfg.action_dim     # binary: the width is the gripper head's, not the L1's
    precision = resolve_precision(cfg.precision, cfg.device)
    device_type = "cuda" if str(cfg.device).startswith("cuda") else "cpu"
    if precision == "bf16":
        log.info("training with a bfloat16 forward pass (autocast on %s)", device_type)

    def loss_on(b: dict, augment: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        scene, wrist, lang, proprio, actions, mask, done = tensors(b, augment)
        # validation (augment=False) always runs in float32, so its L1 compares across precisions
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=augment and precision == "bf16"):
            heads = model.forward_heads(scene, wrist, lang, proprio)
        heads = {k: (v.float() if v is not None else None) for k, v in heads.items()}
        target = model.normalize_actions(actions)
        tg = None
        if heads["aux"] is not None or (augment and cfg.near_weight):
            tg = b["targets"] if on_device else torch.from_numpy(b["targets"]).to(cfg.device)
        if augment and cfg.near_weight:          # the last centimetres weigh more: actions and gripper alike
            mask = mask * near_target_weights(tg, cfg.near_radius_m, cfg.near_weight)[:, None]
        m = mask[..., None]
        l1 = (F.l1_loss(heads["actions"][..., :dims], target[..., :dims], reduction="none") * m).sum() / \
            (m.sum() * dims)
        bce = F.binary_cross_entropy_with_logits(heads["done"], done,
                                                 pos_weight=torch.tensor(DONE_POS_WEIGHT, device=cfg.device))
        loss = l1 + cfg.done_weight * bce
        if binary:
            loss = loss + cfg.gripper_weight * gripper_loss(heads["gripper"], actions[..., GRIPPER_DIM], mask)
        aux = torch.tensor(math.nan)
        if heads["aux"] is not None:
            aux = aux_loss(heads["aux"], tg)
            loss = loss + cfg.aux_weight * aux
        return loss, l1.detach(), aux.detach()

    val_aux = [math.nan]        # the last validation's auxiliary error [m] (NaN without the head)

    def validate() -> float:
        if not len(val_idx):
            return math.nan
        model.eval()
        losses, aux_errs = [], []
        with torch.no_grad():
            for s in range(0, len(val_idx), 256):
                ids = np.arange(s, min(len(val_idx), s + 256))
                b = (val_idx.batch(torch.from_numpy(ids).to(cfg.device)) if on_device
                     else val_idx.batch(ids, mcfg.use_wrist))
                _, l1_b, aux_b = loss_on(b, augment=False)
                losses.append(float(l1_b) * len(ids))
                aux_errs.append(float(aux_b) * len(ids))
        val_aux[0] = float(sum(aux_errs) / len(val_idx)) * AUX_SCALE_M
        model.train()
        return float(sum(losses) / len(val_idx))

    meta_base = {"train_episodes": len(train_eps), "val_episodes": len(val_eps), "config": asdict(cfg),
                 "precision": precision}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total_steps, initial=step, desc="train", unit="step", dynamic_ncols=True)
    t_start = time.monotonic()

    def minutes_done() -> float:
        return minutes_before + (time.monotonic() - t_start) / 60.0
    model.train()
    stopped_early = False
    l1 = math.nan
    while step < total_steps:
        perm = rng.permutation(len(train_idx))
        perm_dev = torch.from_numpy(perm).to(cfg.device) if on_device else None
        for s in range(0, len(perm), cfg.batch_size):
            if step >= total_steps:
                break
            b = (train_idx.batch(perm_dev[s:s + cfg.batch_size]) if on_device
                 else train_idx.batch(perm[s:s + cfg.batch_size], mcfg.use_wrist))
            loss, l1_t, _ = loss_on(b, augment=True)
            set_lr(step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if bar is not None:
                bar.update(1)
                if step % 20 == 0:                 # float() syncs the GPU: not every step
                    l1 = float(l1_t)
                    bar.set_postfix(l1=f"{l1:.3f}", best_val=f"{best_val:.3f}")
            timed_out = cfg.max_minutes and minutes_done() >= cfg.max_minutes
            if step % cfg.eval_every_steps == 0 or step == total_steps or timed_out:
                val, l1 = validate(), float(l1_t)
                history.append({"step": step, "train_l1": l1, "val_l1": val, "val_aux_m": val_aux[0],
                                "minutes": minutes_done(),
                                "lr": opt.param_groups[0]["lr"]})
                # without a validation split the latest model is the best one
                if math.isnan(val) or val < best_val:
                    best_val = val if not math.isnan(val) else best_val
                    save_checkpoint(out / "best.pt", model, {**meta_base, "step": step, "val_l1": val})
                torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                            "step": step, "best_val": best_val, "minutes": minutes_done(),
                            "history": history}, out / "last.tmp")
                (out / "last.tmp").replace(last)
            if timed_out:
                stopped_early = True
                break
        if stopped_early:
            break
    if bar is not None:
        bar.close()
    if not (out / "best.pt").is_file():
        save_checkpoint(out / "best.pt", model, {**meta_base, "step": step})
    metrics = {"steps": step, "total_steps": total_steps, "best_val_l1": best_val, "history": history,
               "stopped_early": stopped_early, "minutes": minutes_done(), **meta_base}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str))
    return metrics
