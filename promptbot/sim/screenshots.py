"""Screenshots of every shipped world (scene camera, and wrist camera where the world has one).

    python -m promptbot.sim.screenshots [--out docs/worlds] [--seed 1] [--width 480 --height 360]

Writes ``<world>.png`` (scene) and ``<world>_wrist.png`` per world, rendered with the
same camera, lighting and randomisation the sim node uses for that seed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def render_worlds(out: Path, seed: int = 1, width: int = 480, height: int = 360) -> list[dict]:
    import cv2

    from promptbot.sim.env import SimConfig, SimEnv
    from promptbot.sim.worlds import list_worlds, load_world

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    env = None
    try:
        for name in list_worlds():
            spec = load_world(name)
            if env is None:
                env = SimEnv(spec, seed, SimConfig.from_env())
            else:
                env.reset(name, seed)
            files = []
            frame = env.render("scene", width, height)
            path = out / f"{name}.png"
            cv2.imwrite(str(path), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
            files.append(str(path))
            if env.world.wrist_camera.enabled:
                w = env.render("wrist", height, height)
                path = out / f"{name}_wrist.png"
                cv2.imwrite(str(path), cv2.cvtColor(w.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
                files.append(str(path))
            rows.append({"world": name, "seed": seed, "objects": len(env.ground_truth()), "files": files})
    finally:
        if env is not None:
            env.close()
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("docs/worlds"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--height", type=int, default=360)
    a = p.parse_args(argv)
    if a.seed < 0 or not (32 <= a.width <= 1920 and 32 <= a.height <= 1080):
        p.error("--seed must be >= 0 and the size within 32x32 .. 1920x1080")
    print(json.dumps(render_worlds(a.out, a.seed, a.width, a.height), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
