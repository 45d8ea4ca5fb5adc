"""DAgger-style aggregation for the VLA: the policy drives, then the expert takes over and is recorded.

Behaviour cloning only ever sees the expert's own states, so the policy's small errors take it where
it has no data (the model card's stack failures: a cube held too long, a release that never
comes). The scripted expert (``promptbot.sim.expert``) can act from any state, so the states the
policy visits can be labelled with the expert's corrections: each episode runs the current policy
for a seeded random stretch of a skill episode (``takeover_s`` drawn in ``[min_s, max_s]``, or until
the policy says done or stalls), then the expert finishes the skill from wherever the policy left
the arm and the objects. Only the expert's part is recorded (frames, proprioception, its clean
actions), in the dataset format of ``collect_skills``; the metadata's "prelude" says how the policy's
stretch ended. An episode that the expert cannot finish from there is kept with success false, and
training reads successful segments only.

    python -m promptbot.policy.dagger --policy models/vla_tabletop.pt --out data/dagger_r1 --episodes N
        [--seed0 S] [--takeover 0.5,8] [--workers N] [--image-size 64]

Rounds: collect with the current checkpoint, train on the aggregate (``promptbot train --data``
with every earlier folder), evaluate (``promptbot eval-policy``), repeat with the new checkpoint.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

import numpy as np

from promptbot.planning.skills import SKILL_NAMES

DAGGER_SEED0 = 700_000      # below the evaluation seeds (1,000,000), away from the plain/DART collections


@dataclass
class PolicyTakeover:
    """The prelude of a DAgger episode (``record_episode(prelude=...)``): the policy drives first.

    Picklable for collection workers: the policy is loaded in each process on first use.
    """
    checkpoint: str
    min_s: float = 0.5
    max_s: float = 8.0
    backend: str = "torch"
    stall_s: float = 4.0
    _policy: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not 0.0 <= self.min_s <= self.max_s:
            raise ValueError(f"takeover window must satisfy 0 <= min <= max, got [{self.min_s}, {self.max_s}] s")

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_policy"] = None
        return state

    def takeover_s(self, seed: int) -> float:
        """The seeded length of the policy's stretch [s]."""
        return float(np.random.default_rng([seed, 31]).uniform(self.min_s, self.max_s))

    def __call__(self, env, spec) -> dict:
        from promptbot.policy.evaluate import drive_policy
        from promptbot.policy.runner import RunnerConfig

        if self._policy is None:
            from promptbot.policy.policy import Policy

            self._policy = Policy.load(self.checkpoint, backend=self.backend, threads=1)
        seconds = self.takeover_s(spec.seed)
        cfg = RunnerConfig(control_rate_hz=env.config.control_hz, timeout_s=max(seconds, 0.1), stall_s=self.stall_s)
        drive = drive_policy(self._policy, env, spec.instruction, cfg, int(round(seconds * cfg.control_rate_hz)))
        return {"policy": str(self.checkpoint), "takeover_s": round(seconds, 3), "end": drive.end,
                "end_reason": drive.end_reason, "control_steps": drive.control_steps}


def collect_dagger(policy: str, out: str, episodes: int, seed0: int = DAGGER_SEED0, min_s: float = 0.5,
                   max_s: float = 8.0, image_size: int = 64, workers: int = 1, progress: bool = True,
                   max_minutes: float = 0.0, mix: tuple[str, ...] = SKILL_NAMES,
                   release_width_m: float | None = None) -> dict:
    """Record ``episodes`` takeover episodes into ``out`` (resumable, like ``collect_skills``); the expert that takes
    over lets go at ``release_width_m`` (None: its default)."""
    from promptbot.policy.collect_skills import collect_skills

    summary = collect_skills(out, episodes, seed0, image_size, progress, max_minutes, mix=mix, workers=workers,
                             prelude=PolicyTakeover(str(policy), min_s, max_s), release_width_m=release_width_m)
    return {**summary, "policy": str(policy), "takeover_s": [min_s, max_s]}


def _window(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--takeover needs MIN,MAX in seconds, got {text!r}") from None
    if not 0.0 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"--takeover needs 0 <= MIN <= MAX, got {text!r}")
    return lo, hi


def main(argv=None) -> int:
    from promptbot.policy.collect_skills import add_collection_arguments, checked_mix

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", required=True, help="checkpoint that drives before the expert takes over")
    add_collection_arguments(p, seed0=DAGGER_SEED0, image_size=64)
    p.add_argument("--takeover", type=_window, default=(0.5, 8.0), metavar="MIN,MAX",
                   help="seconds of policy control before the expert takes over, drawn per seed (default 0.5,8)")
    a = p.parse_args(argv)
    mix = checked_mix(p, a)
    from pathlib import Path

    if not Path(a.policy).is_file():
        p.error(f"--policy {a.policy}: no such checkpoint")
    print(json.dumps(collect_dagger(a.policy, a.out, a.episodes, a.seed0, *a.takeover, a.image_size, a.workers,
                                    not a.quiet, a.max_minutes, mix)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
