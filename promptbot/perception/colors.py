"""Colour naming: a per-pixel lookup table from quantised RGB to a colour name.

The table maps every RGB value (quantised to 5 bits per channel, 32768 bins) to
one colour name. It is built from labelled sample pixels: each bin takes the
majority name of the samples that fall in it; empty bins take the name of the
nearest occupied bin in CIE Lab (a perceptual space, so "nearest" means "looks
most alike"). Two ways to get samples:

* :meth:`ColorTable.from_prototypes` - one reference RGB per name (e.g. the sim
  catalogue ``promptbot.sim.worlds.COLORS``); samples are synthesised under a
  range of shading (brightness 0.3..1.15) and specular whitening, which is what
  lighting does to a matte surface.
* :meth:`ColorTable.fit` - real pixels per name (from a calibration run; see
  ``python -m promptbot.bench.perception --calibrate``), saved as ``.npz`` and
  loaded with :meth:`ColorTable.load`. The shipped ``tables/sim_colors.npz`` was
  fit on rendered sim scenes (seeds disjoint from the benchmark's).

Classification is a single table lookup per pixel (~1 ms for 640x480).
Achromatic names (white, gray, black) are shading-ambiguous pixel by pixel, so
the detector groups them and names each object from its upper, best-lit pixels.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

BITS = 5                                  # bits per channel kept by the lookup
_SHIFT = 8 - BITS
_N = 1 << BITS
ACHROMATIC = frozenset({"white", "gray", "grey", "black", "silver", "robot"})
# names in a table that are not object colours (calibrated arm pixels): grouped as achromatic and
# filtered with the arm, never reported
NON_OBJECT = frozenset({"robot"})
DATA_DIR = Path(__file__).resolve().parent / "tables"
DEFAULT_TABLE = DATA_DIR / "sim_colors.npz"

# The sim catalogue (promptbot.sim.worlds.COLORS), duplicated here so the pure
# core does not import the simulator. Values 0..1 RGB.
SIM_COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.85, 0.12, 0.12),
    "green": (0.15, 0.70, 0.20),
    "blue": (0.12, 0.30, 0.90),
    "yellow": (0.95, 0.85, 0.10),
    "purple": (0.55, 0.20, 0.75),
    "orange": (0.98, 0.50, 0.05),
    "cyan": (0.10, 0.80, 0.85),
    "pink": (0.98, 0.55, 0.75),
    "white": (0.95, 0.95, 0.95),
    "black": (0.08, 0.08, 0.08),
    "brown": (0.50, 0.30, 0.12),
    "gray": (0.55, 0.55, 0.55),
}


def _bin_centres_lab() -> np.ndarray:
    v = (np.arange(_N, dtype=np.float32) + 0.5) * (1 << _SHIFT)
    r, g, b = np.meshgrid(v, v, v, indexing="ij")
    rgb = np.stack([r, g, b], -1).reshape(-1, 1, 3) / 255.0
    return cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2Lab).reshape(-1, 3)


def bin_index(rgb: np.ndarray) -> np.ndarray:
    """Lookup index of each RGB pixel: (..., 3) uint8 -> (...) int32."""
    q = (rgb >> _SHIFT).astype(np.int32)
    return (q[..., 0] << (2 * BITS)) | (q[..., 1] << BITS) | q[..., 2]


class ColorTable:
    """RGB -> colour name by table lookup. ``names[i]`` is the name of label ``i``."""

    def __init__(self, names: list[str], lut: np.ndarray):
        lut = np.asarray(lut, dtype=np.uint8).reshape(-1)
        if lut.size != _N ** 3:
            raise ValueError(f"colour table must have {_N ** 3} entries, got {lut.size}")
        if not names or len(set(names)) != len(names):
            raise ValueError(f"colour names must be unique and non-empty, got {names}")
        if int(lut.max()) >= len(names):
            raise ValueError("colour table refers to a label without a name")
        self.names = list(names)
        self.lut = lut
        self.achromatic = np.array([n in ACHROMATIC for n in self.names], dtype=bool)
        self.reportable = np.array([n not in NON_OBJECT for n in self.names], dtype=bool)

    # --- building ------------------------------------------------------------------------------
    @classmethod
    def fit(cls, samples: dict[str, np.ndarray], min_count: int = 2) -> "ColorTable":
        """Build the table from sample pixels per name (``(N, 3)`` uint8 RGB arrays)."""
        names = sorted(samples)
        counts = np.zeros((_N ** 3, len(names)), dtype=np.int64)
        for i, name in enumerate(names):
            px = np.asarray(samples[name], dtype=np.uint8).reshape(-1, 3)
            if px.size == 0:
                raise ValueError(f"no samples for colour {name!r}")
            counts[:, i] = np.bincount(bin_index(px), minlength=_N ** 3)
        total = counts.sum(1)
        occupied = total >= min_count
        if not occupied.any():
            raise ValueError("not enough colour samples to build a table")
        lut = np.zeros(_N ** 3, dtype=np.uint8)
        lut[occupied] = counts[occupied].argmax(1)
        lab = _bin_centres_lab()
        ref = lab[occupied]
        empty = np.flatnonzero(~occupied)
        nn = np.empty(empty.size, dtype=np.int64)
        for s in range(0, empty.size, 2048):          # nearest occupied bin in Lab, in chunks
            q = lab[empty[s:s + 2048]]
            d2 = (q * q).sum(1)[:, None] - 2.0 * q @ ref.T + (ref * ref).sum(1)[None, :]
            nn[s:s + 2048] = d2.argmin(1)
        lut[empty] = lut[np.flatnonzero(occupied)[nn]]
        return cls(names, lut)

    @classmethod
    def from_prototypes(cls, colors: dict[str, tuple[float, float, float]] | None = None) -> "ColorTable":
        """Build from one reference RGB (0..1) per name, synthesising shading and highlights."""
        colors = colors or SIM_COLORS
        shade = np.linspace(0.3, 1.15, 18)
        spec = np.linspace(0.0, 0.35, 6)
        samples = {}
        for name, rgb in colors.items():
            base = np.asarray(rgb[:3], dtype=np.float64)
            if base.shape != (3,) or np.any(base < 0) or np.any(base > 1):
                raise ValueError(f"colour {name!r} must be 3 values in 0..1, got {rgb!r}")
            px = (shade[:, None, None] * base[None, None, :]) * (1 - spec[None, :, None]) + spec[None, :, None]
            samples[name] = np.clip(px.reshape(-1, 3) * 255.0, 0, 255).astype(np.uint8)
        return cls.fit(samples, min_count=1)

    # --- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, names=np.array(self.names), lut=self.lut)

    @classmethod
    def load(cls, path: str | Path) -> "ColorTable":
        with np.load(path, allow_pickle=False) as data:
            return cls([str(n) for n in data["names"]], data["lut"])

    @classmethod
    def default(cls) -> "ColorTable":
        """The shipped sim table when present, else one built from the sim catalogue."""
        if DEFAULT_TABLE.is_file():
            return cls.load(DEFAULT_TABLE)
        return cls.from_prototypes(SIM_COLORS)

    # --- use -----------------------------------------------------------------------------------
    def classify(self, rgb: np.ndarray) -> np.ndarray:
        """Label index per pixel: (..., 3) uint8 -> (...) uint8."""
        return self.lut[bin_index(rgb)]

    def name_of(self, rgb: tuple[int, int, int]) -> str:
        return self.names[int(self.classify(np.asarray(rgb, dtype=np.uint8).reshape(1, 3))[0])]
