"""Search traces: what MCTS saw and chose at every committed step of one planning run (pure, no ROS).

One JSON Lines file per planning run (format version :data:`TRACE_VERSION`, documented in
``docs/planner.md#search-traces``)::

    {"type": "run", "version": 1, "goal": "...", "holding": null, "fixed": [...],
     "objects": [[id, label, color, x, y, z, sx, sy, sz], ...],        # the root scene [m]
     "config": {"simulations": 48, "c_puct": 0.5, ...}, "prior": "uniform", "meta": {...}}
    {"type": "decision", "step": 0, "holding": null,
     "positions": [[x, y, z], ...],            # per object, in the run line's order [m]
     "actions": [[skill, [args...]], ...],    # the root's admissible actions
     "prior": [...], "visits": [...], "q": [...], "h": [...],  # per action
     "value": 0.41, "chosen": 3, "shortcut": false, "prior_source": "learned"}
    ...
    {"type": "outcome", "solved": true, "steps": 8, "simulations": 384, "llm_calls": 0}

``shortcut``: the goal-reaching step was taken without search (its visits are all 0). The
state of a decision is the run's objects at ``positions`` with ``holding``; ``fixed`` objects
(the goal's ``unmoved``) never move. :func:`read_trace` turns a file back into plain records,
:func:`decision_state` into a :class:`~promptbot.planning.world.WorldState`.
"""
from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator

from promptbot.scene import ObjectState

TRACE_VERSION = 1
_counter = itertools.count()


def _r(v: float) -> float:
    return round(float(v), 4)


@dataclass
class Trace:
    """The records of one run, in memory; ``write`` puts them in a file under a folder."""

    header: dict
    decisions: list[dict]
    outcome: dict

    def lines(self) -> list[str]:
        return [json.dumps(self.header)] + [json.dumps(d) for d in self.decisions] + [json.dumps(self.outcome)]

    def write(self, folder: str | os.PathLike) -> Path:
        d = Path(folder)
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"trace-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_counter):05d}.jsonl"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(self.lines()) + "\n")
        tmp.replace(path)
        return path


def run_header(goal, state, config, prior: str, meta: dict | None = None) -> dict:
    return {"type": "run", "version": TRACE_VERSION, "goal": str(goal), "holding": state.holding,
            "fixed": sorted(state.fixed),
            "objects": [[o.id, o.label, o.color, *map(_r, o.position), *map(_r, o.size)] for o in state.objects],
            "config": asdict(config), "prior": prior, "meta": dict(meta or {})}


def decision_record(step: int, root, chosen, shortcut: bool) -> dict:
    """One committed step: the root's children (actions, prior, visits, Q, heuristic value)."""
    kids = root.children or []
    return {"type": "decision", "step": step, "holding": root.state.holding,
            "positions": [[_r(v) for v in o.position] for o in root.state.objects],
            "actions": [[c.action.skill, list(c.action.args)] for c in kids],
            "prior": [_r(c.prior) for c in kids], "visits": [c.visits for c in kids],
            "q": [_r(c.q) for c in kids], "h": [_r(c.h) for c in kids],
            "value": _r(root.q if root.visits else root.h),
            "chosen": next(i for i, c in enumerate(kids) if c is chosen),
            "shortcut": bool(shortcut), "prior_source": root.prior_source}


def read_trace(path: str | os.PathLike) -> Trace:
    """A trace file back into records; raises ValueError on a file that is not a trace of this version."""
    lines = [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]
    if not lines or lines[0].get("type") != "run":
        raise ValueError(f"{path}: not a search trace (no run line)")
    if lines[0].get("version") != TRACE_VERSION:
        raise ValueError(f"{path}: trace version {lines[0].get('version')} (this code reads {TRACE_VERSION})")
    decisions = [x for x in lines if x.get("type") == "decision"]
    outcome = next((x for x in lines if x.get("type") == "outcome"), None)
    if outcome is None:
        raise ValueError(f"{path}: incomplete trace (no outcome line)")
    return Trace(lines[0], decisions, outcome)


def iter_traces(folder: str | os.PathLike) -> Iterator[Trace]:
    for p in sorted(Path(folder).rglob("trace-*.jsonl")):
        yield read_trace(p)


def header_objects(header: dict) -> list[ObjectState]:
    return [ObjectState(r[0], r[1], r[2], tuple(r[3:6]), tuple(r[6:9])) for r in header["objects"]]


def decision_state(header: dict, decision: dict, objects: list[ObjectState] | None = None):
    """The :class:`WorldState` a decision was taken in."""
    from promptbot.planning.world import WorldState

    objs = objects or header_objects(header)
    moved = [replace(o, position=tuple(p)) for o, p in zip(objs, decision["positions"])]
    return WorldState.from_objects(moved, decision["holding"], header.get("fixed", ()))
