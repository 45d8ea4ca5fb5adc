"""Read ``promptbot collect`` datasets as per-skill training episodes.

A collected episode executes a task's plan (one or more skills). The policy
runs one skill per ExecuteSkill goal, so each successful plan step becomes one
training episode whose instruction is a paraphrase of that step
(``step_paraphrases``); proprioception is recomputed from the joint angles with
the same forward kinematics the policy node uses on the robot.
"""
from __future__ import annotations

import json
import re
import logging
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from promptbot.policy.proprio import proprio_batch
from promptbot.policy.train import Episode

log = logging.getLogger(__name__)

# Paraphrase templates of one skill step. {a}: object, {b}: second object,
# {t}: target phrase of a place ("in the blue bowl", "to the left of the red cube",
# "on the table"), {r}: push region. The planner's own wording
# (promptbot.planning.skills.step_instruction) is always among the training texts.
STEP_TEMPLATES: dict[str, list[str]] = {
    "pick": ["grab the {a}", "lift the {a}", "take the {a}", "pick the {a} up", "lift up the {a}"],
    "place": ["place the {a} {t}", "drop the {a} {t}", "set down the {a} {t}", "put down the {a} {t}"],
    "stack": ["put the {a} on top of the {b}", "place the {a} onto the {b}", "stack the {a} onto the {b}",
              "place the {a} on the {b}"],
    "push": ["slide the {a} to the {r} side", "push the {a} towards the {r}", "push the {a} {r}",
             "shove the {a} to the {r}", "slide the {a} over to the {r}", "drag the {a} to the {r} side"],
}
# Held out of training: used by `promptbot eval-policy` for "unseen paraphrases".
HELDOUT_TEMPLATES: dict[str, list[str]] = {
    "pick": ["raise the {a} off the table"],
    "place": ["move the {a} {t}"],
    "stack": ["set the {a} on the {b}"],
    "push": ["nudge the {a} over to the {r}"],
}


def object_name(oid: str) -> str:
    """'green_cube_2' -> 'green cube'; region names stay as they are."""
    parts = oid.split("_")
    if len(parts) > 1 and parts[-1].isdigit():
        parts = parts[:-1]
    return " ".join(parts)


def step_paraphrases(skill: str, args: Iterable[str], heldout: bool = False) -> list[str]:
    """Training texts for one step (the planner's wording first), or the held-out ones."""
    from promptbot.planning.skills import Step, step_instruction, target_phrase

    # the instance suffix of duplicates is not spoken: "green_cube_2" -> "green cube"
    args = [re.sub(r"_\d+$", "", str(x)) for x in args]
    table = HELDOUT_TEMPLATES if heldout else STEP_TEMPLATES
    if skill not in table:
        raise ValueError(f"unknown skill {skill!r}")
    a = object_name(args[0]) if args else ""
    b = object_name(args[1]) if len(args) > 1 else ""
    t = target_phrase(args[1], {}) if skill == "place" and len(args) > 1 else ""
    t = t.replace("_", " ")
    texts = [tpl.format(a=a, b=b, t=t, r=b) for tpl in table[skill]]
    if not heldout:
        canonical = step_instruction(Step(skill, tuple(args)), {}).replace("_", " ")
        texts = [canonical, *texts]
    return texts


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    if images.shape[1:3] == (size, size):
        return images
    return np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])


def load_segments(roots: Iterable[str | Path], image_size: int, use_wrist: bool, seed: int = 0,
                  max_episodes: int = 0) -> list[Episode]:
    """Per-skill training episodes from one or more dataset folders."""
    rng = np.random.default_rng(seed)
    out: list[Episode] = []
    for root in roots:
        root = Path(root)
        index_path = root / "index.json"
        if not index_path.is_file():
            raise FileNotFoundError(f"{root} is not a dataset folder (no index.json); run `promptbot collect`")
        index = json.loads(index_path.read_text())
        for entry in index["episodes"]:
            if max_episodes and len(out) >= max_episodes:
                return out
            path = root / entry["file"]
            try:
                with np.load(path, allow_pickle=False) as z:
                    data = {k: z[k] for k in z.files}
            except (OSError, ValueError) as exc:
                log.warning("skipping unreadable episode %s: %s", path, exc)
                continue
            if use_wrist and "wrist_rgb" not in data:
                raise ValueError(f"{path} has no wrist images but the model uses the wrist camera")
            step_ok = data["step_success"]
            if len(data["proprio"]) == 0:
                continue       # nothing recorded (a DAgger episode the policy finished before the expert took over)
            proprio = proprio_batch(data["proprio"][:, :7], data["proprio"][:, 7])
            for i, (skill, args) in enumerate(entry["plan"]):
                if i >= len(step_ok) or not step_ok[i]:
                    break
                sel = np.flatnonzero(data["plan_step"] == i)
                if sel.size < 2:
                    continue
                texts = step_paraphrases(skill, args)
                out.append(Episode(
                    scene=_resize(data["scene_rgb"][sel], image_size),
                    wrist=_resize(data["wrist_rgb"][sel], image_size) if use_wrist else None,
                    proprio=proprio[sel],
                    actions=data["action"][sel].astype(np.float32),
                    instruction=texts[int(rng.integers(len(texts)))],
                    instructions=texts,
                    success=True,
                    skill=skill,
                    **({"targets": data["targets"][sel].astype(np.float32)} if "targets" in data else {}),
                ))
    return out
