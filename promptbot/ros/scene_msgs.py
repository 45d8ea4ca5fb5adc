"""promptbot_msgs/SceneState <-> plain :class:`promptbot.scene.ObjectState` (one home for both directions).

Frames: positions and sizes are in the message header's frame (``panda_link0``) [m].
"""
from __future__ import annotations

import math
from typing import Iterable

from builtin_interfaces.msg import Time

from promptbot.scene import ObjectState
from promptbot_msgs.msg import DetectedObject, Relation, SceneState


def scene_to_objects(msg: SceneState) -> list[ObjectState]:
    """Plain object states from a SceneState; malformed objects (no id, repeated id, non-finite
    position or size, negative size) are skipped."""
    out, seen = [], set()
    for d in msg.objects:
        vals = (d.position.x, d.position.y, d.position.z, d.size.x, d.size.y, d.size.z)
        if not d.id or d.id in seen or not all(math.isfinite(v) for v in vals) or min(vals[3:]) < 0:
            continue
        seen.add(d.id)
        out.append(ObjectState(d.id, d.label, d.color, (d.position.x, d.position.y, d.position.z),
                               (d.size.x, d.size.y, d.size.z), float(d.confidence)))
    return out


def objects_to_scene(objects: Iterable[ObjectState], *, stamp: Time, frame_id: str, source: str,
                     relations: Iterable[tuple[str, str, str]] = ()) -> SceneState:
    """A SceneState of ``objects`` (positions and sizes in ``frame_id`` [m]) stamped ``stamp``.

    ``source`` is ``"perception"`` or ``"ground_truth"``; ``relations`` are
    ``(predicate, subject_id, object_id)`` triples, published sorted. Ground-truth objects carry
    confidence 1.0 (the :class:`ObjectState` default).
    """
    msg = SceneState(source=source)
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    for o in objects:
        d = DetectedObject(id=o.id, label=o.label, color=o.color, confidence=float(o.confidence))
        d.position.x, d.position.y, d.position.z = (float(v) for v in o.position)
        d.size.x, d.size.y, d.size.z = (float(v) for v in o.size)
        msg.objects.append(d)
    for pred, a, b in sorted(relations):
        msg.relations.append(Relation(predicate=pred, subject=a, object=b))
    return msg
