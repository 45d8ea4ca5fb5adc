"""QoS presets used across promptbot's topics."""
from __future__ import annotations

from rclpy.duration import Duration
from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    LivelinessPolicy,
    QoSProfile,
    ReliabilityPolicy,
)

# Camera streams: keep only the newest frame. Reliable because with the shipped
# shared-memory profile it costs nothing locally and best effort over default
# transports drops 30-50 % of 1 MB frames.
SENSOR_IMAGE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=2,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.VOLATILE,
)

# Best-effort sensor data (the rclpy qos_profile_sensor_data shape), for
# drivers that publish best effort.
SENSOR_BEST_EFFORT = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=5,
    reliability=ReliabilityPolicy.BEST_EFFORT,
    durability=DurabilityPolicy.VOLATILE,
)

# Commands to the arm: reliable, newest only. No QoS deadline: a silent publisher
# is noticed by the safety governor, which zeroes velocity after command_timeout_s.
COMMAND = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.VOLATILE,
)

# Observers that must see every message of a burst (monitors, recorders, tests): reliable with a
# deep queue, so a busy subscriber does not lose messages to KEEP_LAST(1) overwrites.
OBSERVER = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=200,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.VOLATILE,
)

# Latched state (current plan, safety state, world description): late
# joiners get the last message.
LATCHED = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)

# Events that must not be lost (transcripts, interventions).
EVENTS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=50,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.VOLATILE,
)


def heartbeat(period_s: float) -> QoSProfile:
    """A profile whose liveliness lease is three publishing periods."""
    if not period_s > 0:
        raise ValueError("heartbeat period must be > 0 s")
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=1,
        reliability=ReliabilityPolicy.RELIABLE,
        liveliness=LivelinessPolicy.AUTOMATIC,
        liveliness_lease_duration=Duration(seconds=3.0 * period_s),
    )
