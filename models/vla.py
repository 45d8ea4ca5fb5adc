"""promptbot's compact vision-language-action network (torch).

Inputs (one control step):
  scene   (B, 3, S, S) float in [0, 1]   fixed scene camera, resized to S x S
  wrist   (B, 3, S, S) float in [0, 1]   wrist camera (zeros when the config has no wrist)
  lang    (B, 384)      float             frozen all-MiniLM-L6-v2 instruction embedding
  proprio (B, P)        float             raw proprioception (promptbot.policy.proprio, P = 17)
Outputs:
  actions (B, H, 7)     float             the next H actions, raw units: EE linear velocity [m/s],
                                          angular velocity [rad/s], gripper opening width [m]
  done    (B,)          float             logit of "the skill is finished"

With ``VLAConfig.aux_dim`` > 0 (``TARGET_DIM``) an auxiliary head predicts where the step's object and
destination are relative to the end effector (``promptbot.sim.demos.step_targets``). Training supervises it
from the simulator; acting never reads it (``forward`` drops it, so an ONNX export has the same inputs and
outputs): it only makes the shared features say where things are, which is what a grasp or a release needs.

The gripper width comes from one of two heads (``VLAConfig.gripper_head``):
"regression" (the committed checkpoint) regresses it with the other action
dimensions; "binary" classifies open/close per chunk step (BCE in training)
and commands ``gripper_open_m`` when the open probability is at least
``gripper_threshold``, else ``gripper_closed_m``: a release is a decision, not
a width that has to drift past the point where the fingers open.

Each camera has a small CNN whose blocks are FiLM-modulated by the instruction
(language decides which object the features attend to), followed by a spatial
soft-argmax (keypoints, good for positions) and global pooling. Normalisation
statistics of proprioception and actions are buffers of the model, so an ONNX
export maps raw inputs to raw actions.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

LANG_DIM = 384            # all-MiniLM-L6-v2 embedding size
ACTION_DIM = 7            # vx vy vz [m/s], wx wy wz [rad/s], gripper width [m]
PROPRIO_DIM = 17          # see promptbot.policy.proprio: q (7), gripper width, TCP xyz, TCP rotation (6)
GRIPPER_DIM = 6           # index of the gripper width in an action
GRIPPER_HEADS = ("regression", "binary")
TARGET_DIM = 6            # object - EE, destination - EE [m] (promptbot.sim.demos.step_targets)
AUX_SCALE_M = 0.1         # the auxiliary head predicts targets in units of 10 cm
GRIPPER_OPEN_SPLIT_M = 0.02   # commanded widths above this are "open" for the binary head [m] (the expert
                              # commands 0 to grasp and >= 0.07 to open)


@dataclass
class VLAConfig:
    image_size: int = 96                      # square input resolution [px]
    use_wrist: bool = True
    channels: tuple[int, ...] = (32, 64, 96, 128)
    strides: tuple[int, ...] = ()             # per block (1 or 2); empty = all 2. A last stride of 1 keeps
                                              # the keypoint map finer (8x8 instead of 4x4 at 64 px)
    hidden: int = 512
    chunk: int = 10                           # actions predicted per inference (H)
    proprio_dim: int = PROPRIO_DIM
    action_dim: int = ACTION_DIM
    lang_dim: int = LANG_DIM
    dropout: float = 0.1
    gripper_head: str = "regression"          # "regression" | "binary" (module doc)
    gripper_threshold: float = 0.5            # binary head: open probability at or above which it opens
    aux_dim: int = 0                          # auxiliary target head (module doc): 0 = none, TARGET_DIM = 6
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not 32 <= self.image_size <= 256 or self.image_size % 16:
            raise ValueError(f"image_size must be a multiple of 16 in [32, 256], got {self.image_size}")
        if not 1 <= self.chunk <= 64:
            raise ValueError(f"chunk must be in [1, 64], got {self.chunk}")
        if not self.channels or any(c < 4 for c in self.channels):
            raise ValueError(f"channels must be a non-empty list of widths >= 4, got {self.channels}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.hidden < 16:
            raise ValueError(f"hidden must be >= 16, got {self.hidden}")
        if self.gripper_head not in GRIPPER_HEADS:
            raise ValueError(f"gripper_head must be one of {GRIPPER_HEADS}, got {self.gripper_head!r}")
        if not 0.0 < self.gripper_threshold < 1.0:
            raise ValueError(f"gripper_threshold must be in (0, 1), got {self.gripper_threshold}")
        if self.aux_dim not in (0, TARGET_DIM):
            raise ValueError(f"aux_dim must be 0 or {TARGET_DIM}, got {self.aux_dim}")
        self.channels = tuple(int(c) for c in self.channels)
        self.strides = tuple(int(v) for v in self.strides) or (2,) * len(self.channels)
        if len(self.strides) != len(self.channels) or any(v not in (1, 2) for v in self.strides):
            raise ValueError(f"strides must be one 1 or 2 per block ({len(self.channels)}), got {self.strides}")
        if self.image_size % (2 ** sum(v == 2 for v in self.strides)):
            raise ValueError("image_size must be divisible by the total stride")

    def to_dict(self) -> dict:
        return asdict(self)


class FiLMBlock(nn.Module):
    """conv3x3(stride) -> GroupNorm -> FiLM(lang) -> ReLU -> conv3x3 -> GroupNorm -> ReLU."""

    def __init__(self, c_in: int, c_out: int, lang_dim: int, stride: int = 2):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.norm1 = nn.GroupNorm(min(8, c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.norm2 = nn.GroupNorm(min(8, c_out), c_out)
        self.film = nn.Linear(lang_dim, 2 * c_out)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, lang: torch.Tensor) -> torch.Tensor:
        x = self.norm1(self.conv1(x))
        gamma, beta = self.film(lang).chunk(2, dim=-1)
        x = F.relu(x * (1.0 + gamma[:, :, None, None]) + beta[:, :, None, None])
        return F.relu(self.norm2(self.conv2(x)))


class SpatialSoftArgmax(nn.Module):
    """Per-channel expected (x, y) image coordinates in [-1, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        attn = torch.softmax(x.reshape(b, c, h * w), dim=-1).reshape(b, c, h, w)
        ys = torch.linspace(-1.0, 1.0, h, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1.0, 1.0, w, device=x.device, dtype=x.dtype)
        ex = (attn.sum(dim=2) * xs).sum(dim=-1)
        ey = (attn.sum(dim=3) * ys).sum(dim=-1)
        return torch.cat([ex, ey], dim=-1)


class CameraEncoder(nn.Module):
    def __init__(self, cfg: VLAConfig):
        super().__init__()
        chans = (3, *cfg.channels)
        self.blocks = nn.ModuleList(FiLMBlock(a, b, cfg.lang_dim, st)
                                    for a, b, st in zip(chans[:-1], chans[1:], cfg.strides))
        self.keypoints = SpatialSoftArgmax()
        self.out_dim = 3 * cfg.channels[-1]

    def forward(self, img: torch.Tensor, lang: torch.Tensor) -> torch.Tensor:
        x = (img - 0.5) / 0.25
        for block in self.blocks:
            x = block(x, lang)
        return torch.cat([self.keypoints(x), x.mean(dim=(2, 3))], dim=-1)


class VLA(nn.Module):
    def __init__(self, cfg: VLAConfig):
        super().__init__()
        self.cfg = cfg
        self.scene_enc = CameraEncoder(cfg)
        self.wrist_enc = CameraEncoder(cfg) if cfg.use_wrist else None
        feat = self.scene_enc.out_dim * (2 if cfg.use_wrist else 1)
        self.lang_proj = nn.Sequential(nn.Linear(cfg.lang_dim, 128), nn.ReLU())
        self.proprio_proj = nn.Sequential(nn.Linear(cfg.proprio_dim, 64), nn.ReLU())
        self.trunk = nn.Sequential(
            nn.Linear(feat + 128 + 64, cfg.hidden), nn.ReLU(), nn.Dropout(cfg.dropout),
            nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(),
        )
        self.action_head = nn.Linear(cfg.hidden, cfg.chunk * cfg.action_dim)
        self.done_head = nn.Linear(cfg.hidden, 1)
        self.gripper_head = nn.Linear(cfg.hidden, cfg.chunk) if cfg.gripper_head == "binary" else None
        self.aux_head = nn.Linear(cfg.hidden, cfg.aux_dim) if cfg.aux_dim else None
        # normalisation statistics, set from the training data (identity until then)
        self.register_buffer("proprio_mean", torch.zeros(cfg.proprio_dim))
        self.register_buffer("proprio_std", torch.ones(cfg.proprio_dim))
        self.register_buffer("action_mean", torch.zeros(cfg.action_dim))
        self.register_buffer("action_std", torch.ones(cfg.action_dim))
        if self.gripper_head is not None:     # the widths the binary head commands [m], set from the data
            self.register_buffer("gripper_open_m", torch.tensor(0.08))
            self.register_buffer("gripper_closed_m", torch.tensor(0.0))

    def set_normalization(self, proprio_mean, proprio_std, action_mean, action_std) -> None:
        for name, value in (("proprio_mean", proprio_mean), ("proprio_std", proprio_std),
                            ("action_mean", action_mean), ("action_std", action_std)):
            t = torch.as_tensor(value, dtype=torch.float32)
            if name.endswith("std"):
                t = t.clamp_min(1e-3)
            getattr(self, name).copy_(t)

    def set_gripper_widths(self, open_m: float, closed_m: float) -> None:
        """The widths the binary head commands for open and closed [m]."""
        if self.gripper_head is None:
            raise ValueError("only the binary gripper head has commanded widths")
        if not 0.0 <= closed_m < open_m:
            raise ValueError(f"need 0 <= closed_m < open_m, got {closed_m}, {open_m}")
        self.gripper_open_m.fill_(float(open_m))
        self.gripper_closed_m.fill_(float(closed_m))

    def forward_heads(self, scene, wrist, lang, proprio) -> dict[str, torch.Tensor | None]:
        """Every head's raw output: "actions" (B, H, 7) normalised, "done" (B,) logit, "gripper" (B, H)
        open logits (None with the regression head), "aux" (B, aux_dim) targets in units of
        ``AUX_SCALE_M`` (None without the auxiliary head)."""
        feats = [self.scene_enc(scene, lang)]
        if self.wrist_enc is not None:
            feats.append(self.wrist_enc(wrist, lang))
        p = (proprio - self.proprio_mean) / self.proprio_std
        h = self.trunk(torch.cat([*feats, self.lang_proj(lang), self.proprio_proj(p)], dim=-1))
        actions = self.action_head(h).reshape(-1, self.cfg.chunk, self.cfg.action_dim)
        gripper = self.gripper_head(h) if self.gripper_head is not None else None
        aux = self.aux_head(h) if self.aux_head is not None else None
        return {"actions": actions, "done": self.done_head(h).squeeze(-1), "gripper": gripper, "aux": aux}

    def forward_normalized(self, scene, wrist, lang, proprio):
        """Like forward, but returns actions in normalised units (what the loss compares)."""
        out = self.forward_heads(scene, wrist, lang, proprio)
        return out["actions"], out["done"]

    def forward(self, scene, wrist, lang, proprio):
        out = self.forward_heads(scene, wrist, lang, proprio)
        actions = out["actions"] * self.action_std + self.action_mean
        if out["gripper"] is not None:        # the classified width replaces the regressed one
            opened = torch.sigmoid(out["gripper"]) >= self.cfg.gripper_threshold
            width = torch.where(opened, self.gripper_open_m, self.gripper_closed_m)
            actions = torch.cat([actions[..., :GRIPPER_DIM], width[..., None], actions[..., GRIPPER_DIM + 1:]], dim=-1)
        return actions, out["done"]

    def normalize_actions(self, actions: torch.Tensor) -> torch.Tensor:
        return (actions - self.action_mean) / self.action_std


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
