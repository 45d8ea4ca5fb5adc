"""Save/load VLA checkpoints: config + weights + metadata in one small torch file."""
from __future__ import annotations

from pathlib import Path

import torch

from promptbot.models.vla import VLA, VLAConfig

FORMAT = "promptbot-vla/1"


def save_checkpoint(path: str | Path, model: VLA, meta: dict | None = None, half: bool = False) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = ("mean", "std", "gripper_open_m", "gripper_closed_m")      # statistics and commanded widths stay float32
    state = {k: (v.half() if half and v.is_floating_point() and not any(x in k for x in keep) else v)
             for k, v in model.state_dict().items()}
    tmp = path.with_suffix(".tmp")
    torch.save({"format": FORMAT, "config": model.cfg.to_dict(), "state_dict": state, "meta": meta or {}}, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(path: str | Path) -> tuple[VLA, VLAConfig, dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    data = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} checkpoint")
    cfg_dict = dict(data["config"])
    cfg_dict["channels"] = tuple(cfg_dict["channels"])
    cfg = VLAConfig(**cfg_dict)
    model = VLA(cfg)
    model.load_state_dict({k: v.float() for k, v in data["state_dict"].items()})
    return model.eval(), cfg, data.get("meta", {})
