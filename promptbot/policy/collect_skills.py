"""Skill-balanced demonstrations for the VLA (pick, place, stack, push in turn).

``promptbot collect`` records library *tasks*; the policy runs one *skill* per
ExecuteSkill goal, so it learns from single-skill episodes: seed i gives skill
``mix[i % len(mix)]`` (default mix: pick, place, stack, push in turn;
promptbot.sim.trials.make_trial), and half of the place/stack episodes start
with the object already in the hand (as after a planner's pick step), the other
half from the table. ``--skills stack,push,stack,push,pick,place`` weights the
mix towards the skills that need more data. Same on-disk format as
``promptbot collect``.

    python -m promptbot.policy.collect_skills --out DIR --episodes N [--seed0 S] [--skills LIST]
        [--workers N] [--image-size 64]

``--workers N`` records in N processes (same episodes, same content). ``--image-size 64``
stores the frames at the model's input size (INTER_AREA from the 96 px render, exactly what
training would compute from a 96 px dataset: 2.25x less to compress and store).
``promptbot bench collect --json`` measures seconds per episode, old path against new.
``--release-width 0.08`` makes the expert let go fully open (the Nov-26 demonstrations; default:
the pre-grasp width), e.g. ``--skills stack --release-width 0.08`` for the stack data of
models/MODEL_CARD.md.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys

from promptbot.sim.demos import EpisodeSpec, collect
from promptbot.sim.env import GRIPPER_MAX_WIDTH_M
from promptbot.sim.trials import make_trial

from promptbot.planning.skills import SKILL_NAMES

RENDER_SIZE = 96       # [px] square renders of both cameras, in collection and in promptbot.policy.evaluate


def parse_mix(text: str) -> tuple[str, ...]:
    """'stack,push,pick' -> ('stack', 'push', 'pick'); unknown skills are an error."""
    mix = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [s for s in mix if s not in SKILL_NAMES]
    if not mix or bad:
        raise ValueError(f"--skills needs a comma-separated list of {', '.join(SKILL_NAMES)}; got {text!r}")
    return mix


def skill_episode_spec(seed: int, mix: tuple[str, ...] = SKILL_NAMES) -> EpisodeSpec:
    skill = mix[seed % len(mix)]
    trial = make_trial(skill, seed)
    setup = []
    if skill in ("place", "stack") and (seed // len(mix)) % 2 == 1:
        setup = [("pick", (trial.args[0],))]
    from promptbot.policy.data import step_paraphrases

    texts = step_paraphrases(skill, trial.args)
    a = trial.args
    goal = {"pick": f"holding({a[0]})", "place": f"in({a[0]},{a[-1]})", "stack": f"on({a[0]},{a[-1]})",
            "push": f"region({a[0]},{a[-1]})"}[skill]   # the expert's own success check decides these
    return EpisodeSpec(trial.world, seed, texts[seed % len(texts)], goal,
                       [(skill, trial.args)], setup_plan=setup, family=f"skill_{skill}")


def _world_skill_spec(_world: str, seed: int, mix: tuple[str, ...]) -> EpisodeSpec:
    return skill_episode_spec(seed, mix)


def collect_skills(out: str, episodes: int, seed0: int = 0, image_size: int = 96, progress: bool = True,
                   max_minutes: float = 0.0, noise_lin_m_s: float = 0.0,
                   mix: tuple[str, ...] = SKILL_NAMES, workers: int = 1, render_size: int = RENDER_SIZE,
                   prelude=None, release_width_m: float | None = None) -> dict:
    """Record skill episodes (``skill_episode_spec``) with the shared collection loop.

    Frames are rendered at ``render_size`` (96 px, what evaluation renders) and stored at ``image_size``.
    """
    return collect("tabletop", episodes, out, seed0, image_size, wrist=True, progress=progress,
                   spec_fn=functools.partial(_world_skill_spec, mix=mix), label="skills",
                   max_minutes=max_minutes, noise_lin_m_s=noise_lin_m_s, workers=workers,
                   render_size=max(render_size, image_size), prelude=prelude, release_width_m=release_width_m)


def add_collection_arguments(p: argparse.ArgumentParser, seed0: int, image_size: int) -> None:
    """The options every skill collector takes (this module's and promptbot.policy.dagger's)."""
    p.add_argument("--out", required=True)
    p.add_argument("--episodes", type=int, required=True)
    p.add_argument("--seed0", type=int, default=seed0)
    p.add_argument("--image-size", type=int, default=image_size,
                   help="stored frame size [px] (rendered at 96, INTER_AREA like training); 64 = the model's input")
    p.add_argument("--workers", type=int, default=1, help="episodes in parallel processes (same content)")
    p.add_argument("--max-minutes", type=float, default=0.0, help="stop starting episodes after this time")
    p.add_argument("--skills", default=",".join(SKILL_NAMES), metavar="LIST",
                   help="skill mix, repeated in turn by seed (default: %(default)s)")
    p.add_argument("--quiet", action="store_true")


def checked_mix(p: argparse.ArgumentParser, a: argparse.Namespace) -> tuple[str, ...]:
    """Validate the options of ``add_collection_arguments`` (``p.error`` on bad ones); the skill mix."""
    try:
        mix = parse_mix(a.skills)
    except ValueError as exc:
        p.error(str(exc))
    if a.episodes < 1 or a.workers < 1 or not 16 <= a.image_size <= RENDER_SIZE:
        p.error(f"--episodes and --workers must be >= 1 and --image-size in 16..{RENDER_SIZE}")
    return mix


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_collection_arguments(p, seed0=0, image_size=96)
    p.add_argument("--noise", type=float, default=0.0, metavar="M_S",
                   help="DART: std of the OU disturbance of executed linear velocity [m/s] (e.g. 0.03)")
    p.add_argument("--release-width", type=float, default=None, metavar="M",
                   help="gripper width when a place or stack lets go [m] (default: the pre-grasp width; 0.08 = fully "
                        "open, as the Nov-26 expert did: models/MODEL_CARD.md)")
    a = p.parse_args(argv)
    mix = checked_mix(p, a)
    if a.release_width is not None and not 0.0 < a.release_width <= GRIPPER_MAX_WIDTH_M:
        p.error(f"--release-width must be in (0, {GRIPPER_MAX_WIDTH_M}] m")
    print(json.dumps(collect_skills(a.out, a.episodes, a.seed0, a.image_size, not a.quiet, a.max_minutes,
                                    a.noise, mix, workers=a.workers, release_width_m=a.release_width)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
