"""Where the committed VLA checkpoint lives."""
from __future__ import annotations

from pathlib import Path

import promptbot.models as _models

CHECKPOINT_NAME = "vla_tabletop.pt"


def default_checkpoint() -> Path:
    return Path(_models.__file__).resolve().parent / CHECKPOINT_NAME
