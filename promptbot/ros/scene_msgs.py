"""promptbot_msgs/SceneState <-> plain :class:`promptbot.scene.ObjectState` (one home for both directions).

Frames: positions and sizes are in the message header's frame (``panda_link0``) [m].
"""
from __future__ import annotations

import math

from promptbot.scene import ObjectState
from promptbot_msgs.msg import SceneState


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
