"""A servo on perception's targets for the policy's last centimetres (pure: numpy, no ROS).

The VLA brings the arm near the object and the destination, then often hesitates: it hovers
without closing, or holds the cube over the base without opening, until the no-progress stop
(models/MODEL_CARD.md, sessions 27-33). A servo on the network's own estimate of the target did
not help (session 32): that estimate goes wrong in exactly the states the policy fails in. This
servo takes its targets from somewhere else - perception's detections (RGB-D,
:class:`promptbot.perception.pipeline.Perception`), never simulator truth - and acts only near
a target:

* before the grasp (the hand holds nothing): within ``capture_radius_m`` of a detection of the
  object to pick (horizontal distance from the TCP), a proportional controller moves the TCP
  over the object's grasp point; once within ``descend_within_m`` it also descends to the grasp
  height (unless the policy is rising);
* while holding (``release``): the same over the destination (a container's centre, the base
  cube's centre), with ``descend_release`` also down to the release height (:func:`release_bottom`);
* with ``finish_after_s``: when the TCP has waited that long at the grasp point (or with the
  carried object at its release height) and the policy has neither closed nor opened, the servo
  closes (opens) the gripper for it, latched for the rest of the skill;
* with ``keep_rise_above_m_s`` raised: a policy that hovers over the target (small upward
  commands, dithering) no longer keeps the height; only a decisive rise (a lift, a retry) does;
* with ``takeover_after_s``: once the TCP has stayed aligned over a target that long (the policy
  rises and falls over it without grasping or releasing), the height is the servo's alone until
  the TCP leaves the target;
* with ``lift_after_s``: a hand that holds the object but stays low where it grasped it that long
  (the policy closed and does not lift) is lifted 10 cm, then the policy carries on;
* with ``approach_after_s``: a TCP that has stayed outside the capture radius of every target that
  long (the policy heads for another object, or carries the cube past the destination) is brought
  over the nearest target by the servo, up at ``APPROACH_CLEAR_M`` above it first, until the
  target captures it; the rules above then apply;
* with ``veto_done``: the policy's "done" waits while a pick's hand holds nothing or a place's /
  stack's still holds the object (``in_control``), and a pick ends as done once the held object is
  ``LIFT_CLEAR_M`` above its grasp point (``complete``); a place or stack ends as done once the hand has
  let go within ``RELEASE_OK_XY_M`` of a release target and stayed open ``GRASP_SETTLED_S`` (the policy
  seldom says done after a release: the step waited for the no-progress stop, 4 s of sim time, 20 s
  of wall time through the graph at 0.2x real time);
* with ``contact_release``: while holding, a descent that stops short of the release height
  (the servo drives down, the TCP stays within ``CONTACT_STILL_M`` for ``CONTACT_WINDOW_S``) means
  the carried object rests on the destination - the object is held off its grasp point, or the
  destination is taller than perceived - and counts as down for the finish;
* with ``veto_release``: while holding, the policy's opening command is withheld (the last closing command
  stays) unless the TCP is within ``RELEASE_OK_XY_M`` of a release target with the carried object's bottom at
  most ``RELEASE_OK_DZ_M`` above its release height. The policy learned to place into bowls: given "left of the
  blue bowl" it let go over the bowl (bench e2e, session 35); the servo then brings the object to the spot
  and opens there (approach, descent, finish);
* with ``reopen_empty``: a pick's hand closed on nothing (fingers under the runner's ``EMPTY_CLOSE_M`` apart, holding
  nothing) is opened to the pre-grasp width before anything else, and a finishing close that missed is
  undone so the grasp can be tried again. The policy, seeing closed fingers, kept them closed: a missed grasp
  stood still until the no-progress stop, and the planner's retry began with the hand still shut and never
  opened it (bench e2e, session 38: three attempts at one pick, "gripper 0-0 mm").

Without ``approach_after_s`` and ``veto_done`` rotation, transport, lifting and the "done" flag stay
the policy's. With them (preset ``guided``) the servo can carry most of a step: on session 35's
evaluation it set 46-57 % of the control steps of pick, place and stack and 80 % of push's - the
policy still picks the moment, the orientation and, where it is near, the way.

Push (``push``, :class:`PushServo`) is different: the policy brings the closed hand to the object,
then often pushes it the wrong way, stops short or dithers (push alone 6/15, session 34). Within
``capture_radius_m`` of the detected object (or, with ``push_approach_after_s``, after that long
without getting there) the servo does the push the way the scripted expert does, on perception's
detection of the object and the named region only: over and down to a point behind the object on
the line from its centre to an aim point inside the region, along that line until the object's
centre would be at the aim point, back up; the skill then ends as done. Positions of the object
during the push are not re-perceived (an open-loop straight push from the detection at the start).
Frames and units: base frame, metres, metres per second. Gains are the scripted expert's
(5 /s, at most 0.15 m/s). ``SERVO_PRESETS`` names the settings the node and eval-policy use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from promptbot.perception.ids import OBJECT_ID
from promptbot.policy.runner import EMPTY_CLOSE_M
from promptbot.scene import REGIONS, ObjectState

GRASP_BELOW_TOP_M = 0.022       # the expert's grasp point: 2.2 cm below the object's top ...
GRASP_MIN_Z_M = 0.012           # ... and never below 1.2 cm (TCP height, base frame)
HOLD_MIN_WIDTH_M = 0.01         # fingers stopped wider than this on a closing command: holding
HOLD_SLACK_M = 0.005            # ... and wider than the command by at least this
RISING_M_S = 0.01               # default: a policy's upward velocity above this is a decision to rise, kept
GRIPPER_OPEN_M = 0.08           # the Panda's widest opening
OPEN_MARGIN_M = 0.03            # a release opens to the object's width + this (the expert's pre-grasp width)
CONTAINER_FLOOR_M = 0.015       # a release in a container: the carried bottom this far above the container's bottom
ON_TOP_GAP_M = 0.004            # ... on an object: this far above its top
TABLE_RELEASE_M = 0.006         # ... on the table (a region, a relation): this far above it (the expert's)
SERVO_SKILLS = frozenset({"pick", "place", "stack"})   # skills with targets (push has none)
FINISH_DZ_M = 0.012             # "at the grasp height" / "down on the destination" within this
LIFT_CLEAR_M = 0.05            # lift: a held object whose grasp point is below this above where it was grasped ...
LIFT_TO_M = 0.10                # ... is lifted to this above it
CONTACT_ABOVE_M = 0.03          # contact release: the TCP at most this far above its release height ...
CONTACT_STILL_M = 0.002         # ... has moved at most this in height ...
CONTACT_WINDOW_S = 0.5          # ... over this long while the servo drove it down: the carried object rests
GRASP_WIDTH_TOL_M = 0.012       # a pick counts as done with the fingers this close to the object's width ...
GRASP_SETTLED_S = 0.5           # ... for this long (and the object lifted)
RELEASE_OK_XY_M = 0.03          # veto_release: the policy may open within this of a release target (horizontal) ...
RELEASE_OK_DZ_M = 0.05          # ... with the carried bottom at most this above the release height
APPROACH_CLEAR_M = 0.10         # an approach travels this far above the target's TCP height
REOPENED_TOL_M = 0.005          # reopen_empty: the hand counts as open again within this of its pre-grasp width
# push (the scripted expert's geometry, promptbot.sim.expert)
PUSH_Z_M = 0.018                # TCP height while pushing (finger tips ~8 mm above the table)
PUSH_SPEED_M_S = 0.08           # along the push line
PUSH_AIM_INSIDE_M = 0.045       # the aim point this far inside the region's edges
PUSH_FINGER_M = 0.011           # closed fingers' half-thickness in front of the TCP
PUSH_BACKOFF_M = 0.025          # the pre-push point this much further behind the object
PUSH_CLEAR_M = 0.04             # travel this far above the object's top to and from the pre-push point
PUSH_AT_M = 0.01                # "at" a waypoint within this (horizontal), "down" within 4 mm
PUSH_LINE_GAIN_PER_S = 2.0      # pull back onto the push line


@dataclass(frozen=True)
class ServoConfig:
    """Proportional servo on perception's targets (SI units)."""

    enabled: bool = True
    capture_radius_m: float = 0.08      # horizontal TCP-target distance under which the servo acts
    descend_within_m: float = 0.015     # horizontal error under which it also descends
    gain_per_s: float = 5.0
    max_speed_m_s: float = 0.15
    grasp: bool = True                  # servo over the object before the grasp
    release: bool = True                # servo over the destination while holding
    descend: bool = True                # descend to the grasp height once over the object
    descend_release: bool = False       # while holding, also descend to the release height over the destination
    finish_after_s: float | None = None  # close / open for the policy after waiting this long there (None: never)
    finish_within_m: float = 0.005      # horizontal error under which the TCP counts as there
    keep_rise_above_m_s: float = RISING_M_S  # the policy's upward command above this keeps the height its own;
    #                                          slower ones (hovering, dithering) are overridden by the descent
    contact_release: bool = False       # while holding, also open once the descent stalls on the destination
    takeover_after_s: float | None = None  # aligned over a target this long: the height is the servo's, whatever the policy says
    lift_after_s: float | None = None   # holding, still low where it was grasped this long: the servo lifts it
    approach_after_s: float | None = None  # outside every target's capture radius this long: the servo goes there
    veto_done: bool = False             # the policy's "done" waits until a pick holds / a place or stack let go
    veto_release: bool = False          # while holding, the policy opens only over a release target, low enough
    reopen_empty: bool = False          # a pick's hand closed on nothing opens again (a missed latched close too)
    push: bool = False                  # push skills: the servo pushes once the hand is at the object (PushServo)
    push_approach_after_s: float | None = None  # ... or after this long without getting there (None: never)

    def __post_init__(self):
        for name in ("capture_radius_m", "descend_within_m", "gain_per_s", "max_speed_m_s", "keep_rise_above_m_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0.0):
                raise ValueError(f"ServoConfig.{name} must be finite and > 0, got {v!r}")
        for name in ("finish_after_s", "takeover_after_s", "lift_after_s", "push_approach_after_s",
                     "approach_after_s"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ValueError(f"ServoConfig.{name} must be None or finite and > 0, got {v!r}")
        if not 0.0 < self.finish_within_m <= self.capture_radius_m:
            raise ValueError("ServoConfig.finish_within_m must be in (0, capture_radius_m]")
        if self.descend_within_m > self.capture_radius_m:
            raise ValueError("ServoConfig.descend_within_m must not exceed capture_radius_m")


@dataclass(frozen=True)
class Target:
    """A point the TCP should reach: ``z`` None leaves the height to the policy."""

    x: float
    y: float
    z: float | None = None


def grasp_target(obj: ObjectState) -> Target:
    """The expert's grasp point for a detected object: its centre, 2.2 cm below its top."""
    top = obj.position[2] + obj.size[2] / 2.0
    return Target(float(obj.position[0]), float(obj.position[1]),
                  max(min(float(obj.position[2]), top - GRASP_BELOW_TOP_M), GRASP_MIN_Z_M))


def release_bottom(dest: ObjectState) -> float:
    """Height of the carried object's bottom at release [m]: just inside a container's floor,
    just above an object's top (the expert's release heights, from the detection's box)."""
    if dest.is_container:
        return dest.bottom + CONTAINER_FLOOR_M
    return dest.position[2] + dest.size[2] / 2.0 + ON_TOP_GAP_M


def place_spot(obj: ObjectState, target: str, objects: Sequence[ObjectState], exact: bool = True) -> Target | None:
    """Where a place to a region, the table or a relation (``left``, ``table``, ``right_of:<id>``, ``near:<id>``)
    puts ``obj``: the planner's own resolver (:func:`promptbot.planning.world.resolve_place_target`, the spot the
    plan was checked with) on perception's objects, as a release target (the carried bottom just above the
    table). None where the target or its reference is not seen or has no room."""
    from promptbot.planning.world import WorldState, resolve_place_target

    if ":" in target:
        rel, ref = target.split(":", 1)
        refs = [o for o in matching(objects, ref, exact) if o.id != obj.id]
        if not refs:
            return None
        target = f"{rel}:{refs[0].id}"
    try:
        state = WorldState.from_objects(objects, holding=obj.id)
    except ValueError:              # duplicate ids: not a scene the planner would take either
        return None
    pos = resolve_place_target(obj.id, target, state)
    if pos is None:
        return None
    return Target(float(pos[0]), float(pos[1]), float(pos[2]) - obj.size[2] / 2.0 + TABLE_RELEASE_M)


def _limit(v: np.ndarray, max_speed_m_s: float) -> np.ndarray:
    """``v`` scaled down to at most ``max_speed_m_s`` in norm (direction kept)."""
    n = float(np.linalg.norm(v))
    return v * (max_speed_m_s / n) if n > max_speed_m_s else v


def matching(objects: Sequence[ObjectState], oid: str, exact: bool = True) -> list[ObjectState]:
    """Detections that may be ``oid``: with ``exact``, the object of that id when there is one
    (the graph: the planner sends perception's own ids); otherwise every object of the id's
    ``<color>_<label>`` (``red_cube_2`` -> the red cubes; another id space numbers duplicates
    differently). The servo takes the one nearest the TCP, so a duplicate the policy is not
    heading for is never pulled toward."""
    if exact:
        same = [o for o in objects if o.id == oid]
        if same:
            return same
    m = OBJECT_ID.match(oid)
    if m is None:
        return []
    return [o for o in objects if o.color == m["color"] and o.label == m["label"]]


def holding(gripper_command_m: float, gripper_width_m: float) -> bool:
    """The fingers were told to close further than they are: something is between them."""
    return gripper_width_m > HOLD_MIN_WIDTH_M and gripper_width_m > gripper_command_m + HOLD_SLACK_M


class TargetServo:
    """Corrects a policy action near a perceived target; one instance per skill execution."""

    def __init__(self, config: ServoConfig, grasp: Sequence[Target], release: Sequence[Target],
                 grasp_depth_m: float = 0.0, open_width_m: float = GRIPPER_OPEN_M, skill: str = "",
                 object_width_m: float | None = None):
        """``grasp_depth_m``: the grasp point's height above the grasped object's bottom (for the
        height of what the hand carries); ``open_width_m``: the width a finishing release opens to;
        ``skill``: with ``config.veto_done``, what the policy's "done" must wait for (see ``in_control``);
        ``object_width_m``: the grasped object's width (None: ``open_width_m`` less the pre-grasp margin)."""
        self.skill = skill
        self.complete = False                 # pick with veto_done: held and lifted - end the skill as done
        self.end_reason = ""                  # why, when complete
        self._held: bool | None = None        # the hand's state at the last correction
        self._grasped_since_s: float | None = None
        self.config = config
        self.grasp = list(grasp)
        self.release = list(release)
        self.grasp_depth_m = float(grasp_depth_m)
        self.open_width_m = float(open_width_m)
        # the grasped object's perceived width (between the fingers)
        self.object_width_m = (max(0.0, self.open_width_m - OPEN_MARGIN_M) if object_width_m is None
                               else float(object_width_m))
        self.corrected_steps = 0
        self.finished: str | None = None      # "grasp" | "release": what the servo's finish did last
        self._grip: float | None = None       # the latched gripper command after a finish
        self._ready_since_s: float | None = None
        self._descent: list[tuple[float, float]] = []   # (time, TCP height) while the servo drives down while holding
        self._aligned_since: tuple[bool, float] | None = None   # (holding, since when) aligned over a target
        self._low_since_s: float | None = None  # holding, low where it was grasped since then (for the lift)
        self._far_since: tuple[bool, float] | None = None   # (holding, since when) outside every capture radius
        self.approached = 0                   # approaches the servo began (approach_after_s)
        self._approaching = False
        self.vetoed_steps = 0                 # control steps whose opening command was withheld (veto_release)
        self._let_go: tuple[bool, float] | None = None   # (over a release target, since when) after holding
        self.reopened = 0                     # empty closed hands the servo opened again (reopen_empty)
        self._reopening = False

    @classmethod
    def for_skill(cls, config: ServoConfig, skill: str, args: Sequence[str],
                  objects: Sequence[ObjectState], exact_ids: bool = True) -> "TargetServo":
        """Targets of one skill call from perception's objects: pick -> grasp the first argument;
        place / stack -> grasp it, then over the second (a container's or an object's centre, at
        the height of its top). Push and unknown skills get no targets (every action passes
        through). ``exact_ids``: see :func:`matching`."""
        grasp: list[Target] = []
        release: list[Target] = []
        depth, width, obj_width = 0.0, GRIPPER_OPEN_M, None
        objs = matching(objects, args[0], exact_ids) if skill in SERVO_SKILLS and args else []
        if objs:
            grasp = [grasp_target(o) for o in objs]
            o = objs[0]
            depth = grasp[0].z - (o.position[2] - o.size[2] / 2.0)          # type: ignore[operator]
            obj_width = min(o.size[0], o.size[1])
            width = min(GRIPPER_OPEN_M, obj_width + OPEN_MARGIN_M)
        if skill in ("place", "stack") and len(args) > 1:
            release = [Target(float(o.position[0]), float(o.position[1]), release_bottom(o))
                       for o in matching(objects, args[1], exact_ids)]
            if not release and objs:
                spot = place_spot(objs[0], args[1], objects, exact_ids)
                release = [] if spot is None else [spot]
        return cls(config, grasp, release, depth, width, skill, obj_width)

    @property
    def in_control(self) -> bool:
        """With ``config.veto_done``: the policy's "done" waits - a pick while the hand holds nothing, a
        place or stack while it still holds the object (the servo can still finish the step)."""
        if not self.config.veto_done or self._held is None:
            return False
        return (not self._held) if self.skill == "pick" else (self._held and self.skill in ("place", "stack"))

    def correct(self, action: np.ndarray, tcp_xyz_m: Sequence[float], gripper_command_m: float,
                gripper_width_m: float, now_s: float = 0.0) -> np.ndarray:
        """The action with its linear velocity replaced near a target, and - with
        ``config.finish_after_s`` - its gripper closed or opened once the TCP has waited that long
        at the grasp point or over the destination (a copy; the input is not changed)."""
        cfg = self.config
        if not cfg.enabled:
            return action
        out = np.array(action, dtype=np.float64, copy=True)
        held = holding(gripper_command_m, gripper_width_m)
        p = np.asarray(tcp_xyz_m, dtype=np.float64)
        if cfg.veto_done and self.skill in ("place", "stack"):
            self._check_let_go(held, p, now_s)
        self._held = held
        if cfg.veto_done and self.skill == "pick" and self._grasped(held, gripper_width_m, now_s) and any(
                g.z is not None and p[2] >= g.z + LIFT_CLEAR_M for g in self.grasp):
            self.complete = True
            self.end_reason = "the object is held and lifted (the servo's check)"
        targets = (self.release if cfg.release else []) if held else (self.grasp if cfg.grasp else [])
        best = min(targets, key=lambda t: math.hypot(t.x - p[0], t.y - p[1])) if targets else None
        dxy = np.zeros(2) if best is None else np.array([best.x - p[0], best.y - p[1]])
        dist = float(np.linalg.norm(dxy))
        far = best is None or dist > cfg.capture_radius_m
        if not far or self._far_since is None or self._far_since[0] != held:
            self._far_since = (held, now_s) if far else None
            self._approaching = False
        if held and far and self._lift(out, p, now_s):
            self.corrected_steps += 1
        elif best is not None and far and self._approach(out, best, held, p, now_s):
            self.corrected_steps += 1
        elif best is not None and dist <= cfg.capture_radius_m:
            v = cfg.gain_per_s * dxy
            descending = False
            aligned = dist < cfg.descend_within_m
            if not aligned or self._aligned_since is None or self._aligned_since[0] != held:
                self._aligned_since = (held, now_s) if aligned else None
            if ((cfg.descend_release if held else cfg.descend) and best.z is not None
                    and aligned and (out[2] <= cfg.keep_rise_above_m_s or self._taken_over(now_s))):
                # to the grasp / release height - unless the policy is rising (a retry, a decision to leave)
                z = best.z + self.grasp_depth_m if held else best.z
                out[2] = cfg.gain_per_s * (z - p[2])
                descending = held and out[2] < 0.0
            self._track_descent(descending, float(p[2]), now_s)
            out[:2] = _limit(v, cfg.max_speed_m_s)
            out[2] = float(np.clip(out[2], -cfg.max_speed_m_s, cfg.max_speed_m_s))
            self.corrected_steps += 1
            self._finish(best, held, dist, p, now_s)
        else:
            self._ready_since_s = None
            self._aligned_since = None
            self._descent.clear()
        if cfg.reopen_empty and self.skill == "pick":
            self._reopen(held, gripper_width_m)
        if self._reopening:
            out[6] = self.open_width_m
        elif self._grip is not None:
            out[6] = self._grip
        elif cfg.veto_release and held and out[6] >= gripper_width_m - HOLD_SLACK_M and not self._may_release(p):
            out[6] = gripper_command_m            # keep squeezing: not over the destination yet
            self.vetoed_steps += 1
        return out

    def _reopen(self, held: bool, width_m: float) -> None:
        """An empty hand closed on nothing opens until it is back at the pre-grasp width; a finishing close
        that missed is forgotten, so the servo may close again at the grasp point."""
        if not held and width_m < EMPTY_CLOSE_M:
            if not self._reopening:
                self.reopened += 1
            self._reopening = True
            if self.finished == "grasp":
                self._grip, self.finished = None, None
        elif self._reopening and width_m >= self.open_width_m - REOPENED_TOL_M:
            self._reopening = False

    def _check_let_go(self, held: bool, p: np.ndarray, now_s: float) -> None:
        """A place / stack is complete once the hand that held the object has let go over a release target
        (horizontally within ``RELEASE_OK_XY_M`` when it let go) and stayed open for ``GRASP_SETTLED_S``."""
        if held:
            self._let_go = None
            return
        if self._held and self._let_go is None:
            self._let_go = (bool(self._over_release(p)), now_s)
        if self._let_go is not None and self._let_go[0] and now_s - self._let_go[1] >= GRASP_SETTLED_S:
            self.complete = True
            self.end_reason = "let go over the destination and opened (the servo's check)"

    def _may_release(self, p: np.ndarray) -> bool:
        """Over a release target (within ``RELEASE_OK_XY_M``), the carried object's bottom at most ``RELEASE_OK_DZ_M``
        above its release height; true where there is no release target (nothing to check against)."""
        if not self.release:
            return True
        bottom = float(p[2]) - self.grasp_depth_m
        return any(r.z is None or bottom - r.z <= RELEASE_OK_DZ_M for r in self._over_release(p))

    def _over_release(self, p: np.ndarray) -> list[Target]:
        """The release targets within ``RELEASE_OK_XY_M`` of the TCP (horizontal)."""
        return [r for r in self.release if math.hypot(r.x - p[0], r.y - p[1]) <= RELEASE_OK_XY_M]

    def _finish(self, best: Target, held: bool, dist: float, p: np.ndarray, now_s: float) -> None:
        """Latch a close (at the grasp point) or an open (the carried object's bottom at its release
        height, :func:`release_bottom`), each within ``FINISH_DZ_M``, after ``finish_after_s`` of waiting there."""
        cfg = self.config
        if cfg.finish_after_s is None or best.z is None or dist > cfg.finish_within_m:
            self._ready_since_s = None
            return
        if held:
            dz = p[2] - self.grasp_depth_m - best.z
            ready = self.finished != "release" and (abs(dz) <= FINISH_DZ_M or (
                cfg.contact_release and 0.0 < dz <= CONTACT_ABOVE_M and self._resting()))
        else:
            ready = self.finished is None and abs(p[2] - best.z) <= FINISH_DZ_M
        if not ready:
            self._ready_since_s = None
            return
        if self._ready_since_s is None:
            self._ready_since_s = now_s
        if now_s - self._ready_since_s >= cfg.finish_after_s:
            self._grip, self.finished = (self.open_width_m, "release") if held else (0.0, "grasp")
            self._ready_since_s = None

    def _lift(self, out: np.ndarray, p: np.ndarray, now_s: float) -> bool:
        """With ``lift_after_s``: the hand holds the object, still low where it was grasped (its grasp point
        below ``LIFT_CLEAR_M`` above the grasp height, within the capture radius), and has been for that long
        - the policy closed but does not lift: rise toward ``LIFT_TO_M`` (at least as fast as the policy)."""
        cfg = self.config
        low = next((g for g in self.grasp if g.z is not None and p[2] < g.z + LIFT_CLEAR_M
                    and math.hypot(g.x - p[0], g.y - p[1]) <= cfg.capture_radius_m), None)
        if cfg.lift_after_s is None or low is None:
            self._low_since_s = None
            return False
        if self._low_since_s is None:
            self._low_since_s = now_s
        if now_s - self._low_since_s < cfg.lift_after_s:
            return False
        out[2] = max(float(out[2]), min(cfg.max_speed_m_s, cfg.gain_per_s * (low.z + LIFT_TO_M - p[2])))  # type: ignore[operator]
        return True

    def _grasped(self, held: bool, width_m: float, now_s: float) -> bool:
        """Held for ``GRASP_SETTLED_S`` with the fingers at the object's perceived width (within
        ``GRASP_WIDTH_TOL_M``): not a hand still closing (bench e2e: a close commanded high above the
        table read as "holding" on the next step, and a pick ended as done with nothing in it)."""
        if not held or abs(width_m - self.object_width_m) > GRASP_WIDTH_TOL_M:
            self._grasped_since_s = None
            return False
        if self._grasped_since_s is None:
            self._grasped_since_s = now_s
        return now_s - self._grasped_since_s >= GRASP_SETTLED_S

    def _approach(self, out: np.ndarray, best: Target, held: bool, p: np.ndarray, now_s: float) -> bool:
        """With ``approach_after_s``: outside every capture radius that long - rise to ``APPROACH_CLEAR_M``
        above the target, then go over it there (horizontal speed at most ``max_speed_m_s``)."""
        cfg = self.config
        if cfg.approach_after_s is None or self._far_since is None or now_s - self._far_since[1] < cfg.approach_after_s:
            return False
        if not self._approaching:
            self._approaching = True
            self.approached += 1
        z = (best.z if best.z is not None else float(p[2])) + (self.grasp_depth_m if held else 0.0) + APPROACH_CLEAR_M
        out[2] = float(np.clip(cfg.gain_per_s * (z - p[2]), -cfg.max_speed_m_s, cfg.max_speed_m_s))
        if p[2] < z - 0.02:
            out[:2] = 0.0                      # up first: never drag anything low across the table
        else:
            out[:2] = _limit(cfg.gain_per_s * np.array([best.x - p[0], best.y - p[1]]), cfg.max_speed_m_s)
        return True

    def _taken_over(self, now_s: float) -> bool:
        """Aligned over the same kind of target (grasp or release) for ``takeover_after_s``: the policy
        has hesitated long enough; its vertical commands no longer count until the TCP leaves."""
        t = self.config.takeover_after_s
        return t is not None and self._aligned_since is not None and now_s - self._aligned_since[1] >= t

    def _track_descent(self, descending: bool, z: float, now_s: float) -> None:
        """Keep the TCP heights of the last ``CONTACT_WINDOW_S`` of an unbroken servo descent while holding."""
        if not descending:
            self._descent.clear()
            return
        self._descent.append((now_s, z))
        while len(self._descent) > 1 and now_s - self._descent[1][0] >= CONTACT_WINDOW_S:
            del self._descent[0]

    def _resting(self) -> bool:
        """Driven down for ``CONTACT_WINDOW_S`` without getting lower: the carried object is on something
        (held off its grasp point, or a destination taller than perceived)."""
        if len(self._descent) < 2 or self._descent[-1][0] - self._descent[0][0] < CONTACT_WINDOW_S:
            return False
        zs = [z for _, z in self._descent]
        return max(zs) - min(zs) <= CONTACT_STILL_M


class PushServo:
    """Pushes a perceived object into a named region once the policy's hand is at it (module docstring);
    one instance per push. Same call as :class:`TargetServo`; ``in_control`` (the policy's "done" waits)
    and ``complete`` (the push is over: end the skill as done) tell the caller what the policy no longer decides."""

    PHASES = ("policy", "over", "down", "push", "up", "complete")

    def __init__(self, config: ServoConfig, obj: ObjectState, region_name: str):
        if region_name not in REGIONS:
            raise ValueError(f"unknown region {region_name!r}; known: {', '.join(REGIONS)}")
        self.config = config
        r = REGIONS[region_name]
        o = np.array(obj.position[:2], dtype=np.float64)
        m = min(PUSH_AIM_INSIDE_M, (r.x_max - r.x_min) / 2 - 0.005, (r.y_max - r.y_min) / 2 - 0.005)
        aim = np.array([np.clip(o[0], r.x_min + m, r.x_max - m), np.clip(o[1], r.y_min + m, r.y_max - m)])
        d = aim - o
        self.already_inside = r.contains(obj.position, margin=-0.02)
        self.u = d / max(float(np.linalg.norm(d)), 1e-9)
        half = 0.5 * (abs(self.u[0]) * obj.size[0] + abs(self.u[1]) * obj.size[1])   # footprint along the line
        self.object_xy = o
        self.pre = o - self.u * (half + PUSH_FINGER_M + PUSH_BACKOFF_M)
        self.end = aim - self.u * (half + PUSH_FINGER_M)          # TCP here: the object's centre is at the aim point
        self.clear_z = max(0.08, obj.position[2] + obj.size[2] / 2.0 + PUSH_CLEAR_M)
        self.phase = "complete" if self.already_inside else "policy"
        self.corrected_steps = 0
        self.finished: str | None = "push" if self.already_inside else None
        self._start_s: float | None = None
        self.approached = 0                   # 1 once the servo went to the object itself (push_approach_after_s)
        self.vetoed_steps = 0                 # a push has no release to withhold (same fields as TargetServo)
        self.reopened = 0                     # ... nor a hand to reopen
        self.end_reason = "the object is already inside the region" if self.already_inside else ""

    @property
    def in_control(self) -> bool:
        return self.phase not in ("policy", "complete")

    @property
    def complete(self) -> bool:
        return self.phase == "complete"

    def _toward(self, p: np.ndarray, target: Sequence[float]) -> np.ndarray:
        return _limit(self.config.gain_per_s * (np.asarray(target, dtype=np.float64) - p), self.config.max_speed_m_s)

    def correct(self, action: np.ndarray, tcp_xyz_m: Sequence[float], gripper_command_m: float,
                gripper_width_m: float, now_s: float = 0.0) -> np.ndarray:
        """The policy's action until the hand is at the object; then the servo's push (a copy)."""
        cfg = self.config
        out = np.array(action, dtype=np.float64, copy=True)
        if not cfg.enabled or self.phase == "complete":
            return out
        p = np.asarray(tcp_xyz_m, dtype=np.float64)
        if self._start_s is None:
            self._start_s = now_s
        if self.phase == "policy":
            near = math.hypot(*(self.object_xy - p[:2])) <= cfg.capture_radius_m
            late = cfg.push_approach_after_s is not None and now_s - self._start_s >= cfg.push_approach_after_s
            if not (near or late):
                return out
            self.phase, self.approached = "over", int(not near)
        v = np.zeros(3)
        if self.phase == "over":            # up first, then over the pre-push point at the clearance height
            dxy = float(np.linalg.norm(self.pre - p[:2]))
            if dxy > PUSH_AT_M and p[2] < self.clear_z - 0.01:
                v[2] = min(cfg.max_speed_m_s, cfg.gain_per_s * (self.clear_z - p[2]))
            elif dxy > PUSH_AT_M:
                v = self._toward(p, (self.pre[0], self.pre[1], self.clear_z))
            else:
                self.phase = "down"
        if self.phase == "down":
            v = self._toward(p, (self.pre[0], self.pre[1], PUSH_Z_M))
            if abs(p[2] - PUSH_Z_M) <= 0.004:
                self.phase = "push"
        if self.phase == "push":
            rel = p[:2] - self.pre
            along = float(rel @ self.u)
            if along >= float((self.end - self.pre) @ self.u):
                self.phase, self.finished = "up", "push"
            else:
                perp = rel - along * self.u
                v[:2] = PUSH_SPEED_M_S * self.u - PUSH_LINE_GAIN_PER_S * perp
                v[2] = PUSH_LINE_GAIN_PER_S * (PUSH_Z_M - p[2])
        if self.phase == "up":               # back off a little and rise clear of the object
            v[:2] = -0.5 * PUSH_SPEED_M_S * self.u
            v[2] = min(cfg.max_speed_m_s, cfg.gain_per_s * (self.clear_z - p[2]))
            if p[2] >= self.clear_z - 0.01:
                self.phase, v = "complete", np.zeros(3)
                self.end_reason = "the servo finished the push"
        out[:3] = v
        out[3:6] = 0.0                       # the hand keeps its orientation (the closed fingers push either way)
        out[6] = 0.0                         # closed
        self.corrected_steps += 1
        return out


def servo_for_skill(config: ServoConfig, skill: str, args: Sequence[str], objects: Sequence[ObjectState],
                    exact_ids: bool = True) -> TargetServo | PushServo | None:
    """The servo of one skill call from perception's objects, or None where it has no targets (the policy acts
    alone): pick / place / stack -> :class:`TargetServo`; push (with ``config.push``) -> :class:`PushServo` on
    the first object that may be the first argument (:func:`matching`: in the graph, the one of that id)."""
    if skill == "push":
        objs = matching(objects, args[0], exact_ids) if config.push and len(args) > 1 else []
        if not objs or args[1] not in REGIONS:
            return None
        return PushServo(config, objs[0], args[1])
    servo = TargetServo.for_skill(config, skill, args, objects, exact_ids)
    return servo if servo.grasp or servo.release else None


# named settings (eval-policy --servo, the VLA node's ``servo`` parameter)
SERVO_PRESETS: dict[str, ServoConfig | None] = {
    "none": None,                                                       # the policy alone
    "align": ServoConfig(),                                             # steer over the targets only
    "finish": ServoConfig(finish_after_s=1.0, descend_release=True),    # ... and close / lower and open there
    # ... and take the height from a hovering policy, and open once the carried object rests on the destination
    "settle": ServoConfig(finish_after_s=1.0, descend_release=True, keep_rise_above_m_s=0.06, contact_release=True,
                          takeover_after_s=2.0, lift_after_s=2.0),
}
# ... and push once the hand is at the object
SERVO_PRESETS["settle_push"] = replace(SERVO_PRESETS["settle"], push=True)            # type: ignore[arg-type]
# ... and go to the target itself after 3 s without getting within the capture radius (every skill)
# and the policy's "done" waits until the step is done (a pick holds and has lifted, a place or stack let go)
# and the policy opens only over the destination (veto_release)
# and a pick's hand closed on nothing opens again (reopen_empty)
SERVO_PRESETS["guided"] = replace(SERVO_PRESETS["settle_push"], approach_after_s=3.0,  # type: ignore[arg-type]
                                  push_approach_after_s=3.0, veto_done=True, veto_release=True, reopen_empty=True)
# what the VLA node runs by default, and so what eval-policy measures by default ("none" = the network alone)
DEFAULT_SERVO = "guided"

