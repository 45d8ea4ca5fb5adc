"""A small line chart as a PNG, drawn with Pillow (no plotting library needed)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


@dataclass
class Series:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    dashed: bool = False


def line_chart(path: str | Path, series: Sequence[Series], title: str, xlabel: str, ylabel: str,
               ylim: tuple[float, float] | None = None, log_x: bool = False,
               size: tuple[int, int] = (640, 400)) -> Path:
    """Draw ``series`` (markers at the points, lines between) into a PNG at ``path``."""
    import math

    from PIL import Image, ImageDraw

    pts = [(x, y) for s in series for x, y in zip(s.x, s.y) if y is not None]
    if not pts:
        raise ValueError("line_chart: nothing to draw")
    W, H = size
    left, right, top, bottom = 62, 170, 34, 46
    fx = (lambda v: math.log2(max(v, 1e-9))) if log_x else (lambda v: float(v))
    xs = [fx(x) for x, _ in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = ylim if ylim else (min(y for _, y in pts), max(y for _, y in pts))
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1

    def px(x, y):
        return (left + (fx(x) - x0) / (x1 - x0) * (W - left - right),
                H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom))

    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([left, top, W - right, H - bottom], outline="#444")
    for k in range(6):
        yv = y0 + (y1 - y0) * k / 5
        _, yy = px(pts[0][0], yv)
        d.line([left, yy, W - right, yy], fill="#e6e6e6")
        d.text((6, yy - 6), f"{yv:.2f}", fill="#333")
    xticks = sorted({x for s in series for x in s.x})
    for xv in xticks[:: max(1, len(xticks) // 10)]:
        xx, _ = px(xv, y0)
        d.text((xx - 8, H - bottom + 6), f"{xv:g}", fill="#333")
    d.text((left, 8), title, fill="black")
    d.text(((W - right + left) / 2 - 40, H - 18), xlabel, fill="#333")
    d.text((6, top - 22), ylabel, fill="#333")
    for i, s in enumerate(series):
        col = COLORS[i % len(COLORS)]
        p = [px(x, y) for x, y in zip(s.x, s.y) if y is not None]
        for a, b in zip(p, p[1:]):
            if s.dashed:
                n = 8
                for j in range(0, n, 2):
                    d.line([a[0] + (b[0] - a[0]) * j / n, a[1] + (b[1] - a[1]) * j / n,
                            a[0] + (b[0] - a[0]) * (j + 1) / n, a[1] + (b[1] - a[1]) * (j + 1) / n], fill=col, width=2)
            else:
                d.line([a, b], fill=col, width=2)
        for q in p:
            d.ellipse([q[0] - 3, q[1] - 3, q[0] + 3, q[1] + 3], fill=col)
        ly = top + 4 + 16 * i
        d.line([W - right + 10, ly + 6, W - right + 28, ly + 6], fill=col, width=2)
        d.text((W - right + 32, ly), s.label[:22], fill="black")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)
    return path
